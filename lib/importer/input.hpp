#pragma once
// The bytes of one input, decompressed: a file or stdin ("-"), plain, gzip or zstd, recognised by
// their first bytes (not by the name), so `.gz`, `.zst` and a compressed stdin all just work.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace devlog::importer {

class ByteSource
{
public:
    // Opens PATH ("-": stdin). Throws InputError "cannot open PATH: reason".
    static std::unique_ptr<ByteSource> open(const std::string& path);
    virtual ~ByteSource() = default;

    // Reads up to SIZE decompressed bytes into BUFFER; 0 at the end. Throws InputError naming the
    // input on a read error or corrupt compressed data.
    virtual std::size_t read(char* buffer, std::size_t size) = 0;
    // Bytes of the file itself consumed so far (compressed bytes for compressed input): progress.
    virtual std::uint64_t consumed() const = 0;
    // The file's size when it is a regular file.
    virtual std::optional<std::uint64_t> size() const = 0;
    // "gzip", "zstd" or "" (plain).
    virtual const char* compression() const = 0;
    // The path as given, "stdin" for "-".
    const std::string& name() const { return m_name; }

protected:
    explicit ByteSource(std::string name) : m_name(std::move(name)) {}

private:
    std::string m_name;
};

} // namespace devlog::importer
