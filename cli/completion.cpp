// devlogctl completion: shell completion scripts generated from the CLI definition itself, so they
// cannot drift from the flags (tests/cli/test_docs.sh also compares them with completions/).
#include "cli/context.hpp"
#include "lib/core/errors.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

namespace devlog::cli {
namespace {

struct OptionSpec
{
    std::vector<std::string> names; // "--format", "-v"
    std::string description;
    bool takes_value = false;
    std::vector<std::string> choices; // from an IsMember check
    bool directory = false;           // value is a directory
};

struct CommandSpec
{
    std::vector<std::string> path; // {"migrate", "up"}
    std::string description;
    std::vector<OptionSpec> options;     // its own options
    std::vector<std::string> children;   // direct subcommand names
    std::vector<std::string> positionals;
};

std::vector<std::string> parse_choices(const std::string& type_name)
{
    std::vector<std::string> out;
    const auto open = type_name.find('{');
    const auto close = type_name.find('}', open);
    if (open == std::string::npos || close == std::string::npos) {
        return out;
    }
    std::string item;
    for (char c : type_name.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            out.push_back(item);
            item.clear();
        } else if (c != ' ') {
            item.push_back(c);
        }
    }
    if (!item.empty()) {
        out.push_back(item);
    }
    return out;
}

void collect(const CLI::App& app, const std::vector<std::string>& path, std::vector<CommandSpec>& out)
{
    CommandSpec spec;
    spec.path = path;
    spec.description = app.get_description();
    for (const CLI::Option* opt : app.get_options()) {
        if (opt->get_positional() && !opt->nonpositional()) {
            spec.positionals.push_back(opt->get_name());
            continue;
        }
        OptionSpec o;
        for (const auto& s : opt->get_snames()) {
            o.names.push_back("-" + s);
        }
        for (const auto& l : opt->get_lnames()) {
            o.names.push_back("--" + l);
        }
        o.description = opt->get_description();
        o.takes_value = opt->get_items_expected_max() > 0;
        const std::string type = opt->get_type_name();
        o.choices = parse_choices(type);
        o.directory = type.starts_with("DIR");
        spec.options.push_back(std::move(o));
    }
    std::vector<const CLI::App*> children;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
        spec.children.push_back(sub->get_name());
        children.push_back(sub);
    }
    out.push_back(std::move(spec));
    for (const CLI::App* sub : children) {
        auto child_path = path;
        child_path.push_back(sub->get_name());
        collect(*sub, child_path, out);
    }
}

std::string join(const std::vector<std::string>& items, const std::string& sep)
{
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : sep) + item;
    }
    return out;
}

std::string single_quote(const std::string& text)
{
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// Options usable at SPEC: its own plus every ancestor's (devlogctl's options fall through).
std::vector<const OptionSpec*> visible_options(const std::vector<CommandSpec>& all, const CommandSpec& spec)
{
    std::vector<const OptionSpec*> out;
    for (const auto& other : all) {
        const bool ancestor = other.path.size() <= spec.path.size() &&
                              std::equal(other.path.begin(), other.path.end(), spec.path.begin());
        if (!ancestor) {
            continue;
        }
        for (const auto& o : other.options) {
            const bool seen = std::any_of(out.begin(), out.end(), [&](const OptionSpec* p) { return p->names == o.names; });
            if (!seen) {
                out.push_back(&o);
            }
        }
    }
    return out;
}

// The parts bash and zsh scripts share: a 'case' that walks the words to the command path
// (WALK), the '|'-joined flags that take a value (TAKES_VALUE) and a 'case' completing the values
// of those flags (VALUES: CHOICE and DIRECTORY are the shell's commands for the two kinds).
struct ShellCases
{
    std::string walk;
    std::string takes_value;
    std::string values;
};

ShellCases shell_cases(const std::vector<CommandSpec>& all, const std::string& path_var, const std::string& choice,
                       const std::string& directory)
{
    ShellCases out;
    std::vector<std::string> seen;
    for (const auto& spec : all) {
        const std::string path = join(spec.path, " ");
        for (const auto& child : spec.children) {
            out.walk += fmt::format("            {}) {}={} ;;\n", single_quote(path + ":" + child), path_var,
                                    single_quote(path.empty() ? child : path + " " + child));
        }
        for (const auto& o : spec.options) {
            const std::string names = join(o.names, "|");
            if (!o.takes_value || std::find(seen.begin(), seen.end(), names) != seen.end()) {
                continue;
            }
            seen.push_back(names);
            if (!o.choices.empty()) {
                out.values += fmt::format("        {}) {}; return ;;\n", names,
                                          fmt::format(fmt::runtime(choice), join(o.choices, " ")));
            } else if (o.directory) {
                out.values += fmt::format("        {}) {}; return ;;\n", names, directory);
            }
        }
    }
    out.takes_value = join(seen, "|");
    return out;
}

std::string bash(const std::vector<CommandSpec>& all)
{
    const ShellCases cases =
        shell_cases(all, "path", "COMPREPLY=($(compgen -W '{}' -- \"$cur\"))", "COMPREPLY=($(compgen -d -- \"$cur\"))");
    std::string words;
    for (const auto& spec : all) {
        std::vector<std::string> candidates = spec.children;
        for (const auto* o : visible_options(all, spec)) {
            candidates.insert(candidates.end(), o->names.begin(), o->names.end());
        }
        words += fmt::format("        {}) opts={} ;;\n", single_quote(join(spec.path, " ")),
                             single_quote(join(candidates, " ")));
    }
    return fmt::format(R"(# bash completion for devlogctl. Generated by 'devlogctl completion bash'; do not edit.
_devlogctl() {{
    local cur prev path="" i w opts=""
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        case "$w" in
            {takes_value}) ((i++)); continue ;;
        esac
        case "$path:$w" in
{walk}        esac
    done
    case "$prev" in
{values}        {takes_value}) return ;;
    esac
    case "$path" in
{words}    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}}
complete -F _devlogctl devlogctl
)",
                       fmt::arg("takes_value", cases.takes_value), fmt::arg("walk", cases.walk),
                       fmt::arg("values", cases.values), fmt::arg("words", words));
}

std::string zsh_escape(const std::string& text)
{
    std::string out;
    for (char c : text) {
        if (c == ':' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string zsh(const std::vector<CommandSpec>& all)
{
    const ShellCases cases = shell_cases(all, "cmdpath", "compadd -- {}", "_directories");
    std::string words;
    for (const auto& spec : all) {
        std::string entries;
        for (const auto& child : all) {
            if (child.path.size() == spec.path.size() + 1 &&
                std::equal(spec.path.begin(), spec.path.end(), child.path.begin())) {
                // (append, not " " + temporary: GCC 12 -O3 warns falsely on that, bug 105329)
                entries.append(" ").append(single_quote(zsh_escape(child.path.back()) + ":" + zsh_escape(child.description)));
            }
        }
        std::string option_entries;
        for (const auto* o : visible_options(all, spec)) {
            for (const auto& name : o->names) {
                option_entries.append(" ").append(single_quote(zsh_escape(name) + ":" + zsh_escape(o->description)));
            }
        }
        words += fmt::format("        {})\n            cmds=({})\n            opts=({}) ;;\n",
                             single_quote(join(spec.path, " ")), entries, option_entries);
    }
    return fmt::format(R"(#compdef devlogctl
# zsh completion for devlogctl. Generated by 'devlogctl completion zsh'; do not edit.
_devlogctl() {{
    local cmdpath="" w i
    local -a cmds opts
    for ((i = 2; i < CURRENT; i++)); do
        w="${{words[i]}}"
        case "$w" in
            {takes_value}) ((i++)); continue ;;
        esac
        case "$cmdpath:$w" in
{walk}        esac
    done
    case "${{words[CURRENT-1]}}" in
{values}        {takes_value}) _message 'value'; return ;;
    esac
    case "$cmdpath" in
{words}    esac
    if [[ "${{words[CURRENT]}}" == -* ]]; then
        _describe -t options 'option' opts
    else
        _describe -t commands 'command' cmds || _describe -t options 'option' opts
    fi
}}
_devlogctl "$@"
)",
                       fmt::arg("takes_value", cases.takes_value), fmt::arg("walk", cases.walk),
                       fmt::arg("values", cases.values), fmt::arg("words", words));
}

std::string fish(const std::vector<CommandSpec>& all)
{
    std::string out = "# fish completion for devlogctl. Generated by 'devlogctl completion fish'; do not edit.\n"
                      "complete -c devlogctl -f\n";
    for (const auto& spec : all) {
        // Condition: every command of the path seen, and none of its children yet.
        std::vector<std::string> conditions;
        for (const auto& name : spec.path) {
            conditions.push_back("__fish_seen_subcommand_from " + name);
        }
        const std::string here = join(conditions, "; and ");
        std::string children_condition = here;
        if (!spec.children.empty()) {
            children_condition += (here.empty() ? "" : "; and ") +
                                  std::string("not __fish_seen_subcommand_from ") + join(spec.children, " ");
        }
        for (const auto& child : all) {
            if (child.path.size() == spec.path.size() + 1 &&
                std::equal(spec.path.begin(), spec.path.end(), child.path.begin())) {
                out += fmt::format("complete -c devlogctl -n {} -a {} -d {}\n", single_quote(children_condition),
                                   child.path.back(), single_quote(child.description));
            }
        }
        for (const auto& o : spec.options) {
            std::string line = "complete -c devlogctl";
            if (!here.empty()) {
                line += " -n " + single_quote(here);
            }
            for (const auto& name : o.names) {
                line += name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1);
            }
            if (o.takes_value) {
                line += " -x"; // a value, and no file names
                if (!o.choices.empty()) {
                    line += " -a " + single_quote(join(o.choices, " "));
                } else if (o.directory) {
                    line += " -a '(__fish_complete_directories)'";
                }
            }
            out += line + " -d " + single_quote(o.description) + "\n";
        }
    }
    return out;
}

} // namespace

void register_completion(CLI::App& app, Context& /*ctx*/)
{
    auto shell = std::make_shared<std::string>();
    auto* completion = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
    completion->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    completion->footer("Install: devlogctl completion bash > ~/.local/share/bash-completion/completions/devlogctl\n"
                       "         devlogctl completion zsh > ~/.zfunc/_devlogctl   (with fpath+=~/.zfunc)\n"
                       "         devlogctl completion fish > ~/.config/fish/completions/devlogctl.fish");
    completion->callback([&app, shell] {
        std::vector<CommandSpec> specs;
        collect(app, {}, specs);
        if (*shell == "bash") {
            std::cout << bash(specs);
        } else if (*shell == "zsh") {
            std::cout << zsh(specs);
        } else {
            std::cout << fish(specs);
        }
    });

    // Hidden: one line per command and per flag ("migrate up\t--dry-run"), for the docs test.
    auto* spec = app.add_subcommand("__commands", "List every command and flag (for tests)");
    spec->group("");
    spec->callback([&app] {
        std::vector<CommandSpec> specs;
        collect(app, {}, specs);
        for (const auto& s : specs) {
            const std::string path = join(s.path, " ");
            if (!path.empty() && !path.starts_with("__")) {
                std::cout << path << "\t\n";
            }
            for (const auto& o : s.options) {
                for (const auto& name : o.names) {
                    if (!path.starts_with("__")) {
                        std::cout << path << "\t" << name << "\n";
                    }
                }
            }
        }
    });
}

} // namespace devlog::cli
