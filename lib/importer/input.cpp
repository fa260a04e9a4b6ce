#include "lib/importer/input.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace devlog::importer {
namespace {

constexpr std::size_t k_read_size = 1 << 20;

// A file descriptor read in large blocks; the first bytes can be looked at before reading.
class FileReader
{
public:
    FileReader(const std::string& path, const std::string& name) : m_name(name)
    {
        if (path == "-") {
            m_fd = STDIN_FILENO;
        } else {
            m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (m_fd < 0) {
                throw InputError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
            }
            m_owned = true;
        }
        struct stat st{};
        if (::fstat(m_fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                close();
                throw InputError(fmt::format("cannot read {}: it is a directory", path));
            }
            if (S_ISREG(st.st_mode)) {
                m_size = static_cast<std::uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
                ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
            }
        }
    }
    ~FileReader() { close(); }
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    // Up to SIZE bytes; 0 at the end.
    std::size_t read(char* buffer, std::size_t size)
    {
        if (m_peek_at < m_peeked.size()) {
            const std::size_t n = std::min(size, m_peeked.size() - m_peek_at);
            std::memcpy(buffer, m_peeked.data() + m_peek_at, n);
            m_peek_at += n;
            return n;
        }
        return read_raw(buffer, size);
    }
    // The first N bytes (fewer at the end of a short file), without consuming them.
    std::string_view peek(std::size_t n)
    {
        m_peeked.resize(n);
        std::size_t got = 0;
        while (got < n) {
            const std::size_t r = read_raw(m_peeked.data() + got, n - got);
            if (r == 0) {
                break;
            }
            got += r;
        }
        m_peeked.resize(got);
        return {m_peeked.data(), got};
    }
    std::uint64_t consumed() const { return m_consumed - (m_peeked.size() - m_peek_at); }
    std::optional<std::uint64_t> size() const { return m_size; }

private:
    std::size_t read_raw(char* buffer, std::size_t size)
    {
        for (;;) {
            const ssize_t n = ::read(m_fd, buffer, size);
            if (n >= 0) {
                m_consumed += static_cast<std::uint64_t>(n);
                return static_cast<std::size_t>(n);
            }
            if (errno != EINTR) {
                throw InputError(fmt::format("cannot read {}: {}", m_name, std::strerror(errno)));
            }
        }
    }
    void close()
    {
        if (m_owned && m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = -1;
    }

    std::string m_name;
    int m_fd = -1;
    bool m_owned = false;
    std::optional<std::uint64_t> m_size;
    std::uint64_t m_consumed = 0;
    std::string m_peeked;
    std::size_t m_peek_at = 0;
};

class PlainSource final : public ByteSource
{
public:
    PlainSource(std::string name, std::unique_ptr<FileReader> file) : ByteSource(std::move(name)), m_file(std::move(file)) {}
    std::size_t read(char* buffer, std::size_t size) override { return m_file->read(buffer, size); }
    std::uint64_t consumed() const override { return m_file->consumed(); }
    std::optional<std::uint64_t> size() const override { return m_file->size(); }
    const char* compression() const override { return ""; }

private:
    std::unique_ptr<FileReader> m_file;
};

// gzip, also several members one after another (as `cat a.gz b.gz` and pigz write them).
class GzipSource final : public ByteSource
{
public:
    GzipSource(std::string name, std::unique_ptr<FileReader> file)
        : ByteSource(std::move(name)), m_file(std::move(file)), m_in(k_read_size)
    {
        if (inflateInit2(&m_z, 15 + 16) != Z_OK) {
            throw InputError(fmt::format("cannot read {}: zlib could not start", this->name()));
        }
    }
    ~GzipSource() override { inflateEnd(&m_z); }
    GzipSource(const GzipSource&) = delete;
    GzipSource& operator=(const GzipSource&) = delete;

    std::size_t read(char* buffer, std::size_t size) override
    {
        m_z.next_out = reinterpret_cast<Bytef*>(buffer);
        m_z.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        while (m_z.avail_out > 0 && !m_done) {
            if (m_z.avail_in == 0) {
                const std::size_t n = m_file->read(m_in.data(), m_in.size());
                if (n == 0) {
                    if (m_in_member) {
                        throw InputError(fmt::format("cannot read {}: the gzip data ends early (truncated file?)", name()));
                    }
                    m_done = true;
                    break;
                }
                m_z.next_in = reinterpret_cast<Bytef*>(m_in.data());
                m_z.avail_in = static_cast<uInt>(n);
            }
            m_in_member = true;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                m_in_member = false;
                inflateReset(&m_z); // another member may follow
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                throw InputError(fmt::format("cannot read {}: corrupt gzip data ({})", name(),
                                             m_z.msg != nullptr ? m_z.msg : "inflate failed"));
            }
        }
        return size - m_z.avail_out;
    }
    std::uint64_t consumed() const override { return m_file->consumed() - m_z.avail_in; }
    std::optional<std::uint64_t> size() const override { return m_file->size(); }
    const char* compression() const override { return "gzip"; }

private:
    std::unique_ptr<FileReader> m_file;
    std::vector<char> m_in;
    z_stream m_z{};
    bool m_in_member = false;
    bool m_done = false;
};

class ZstdSource final : public ByteSource
{
public:
    ZstdSource(std::string name, std::unique_ptr<FileReader> file)
        : ByteSource(std::move(name)), m_file(std::move(file)), m_in(ZSTD_DStreamInSize()), m_ctx(ZSTD_createDCtx())
    {
        if (m_ctx == nullptr) {
            throw InputError(fmt::format("cannot read {}: zstd could not start", this->name()));
        }
    }
    ~ZstdSource() override { ZSTD_freeDCtx(m_ctx); }
    ZstdSource(const ZstdSource&) = delete;
    ZstdSource& operator=(const ZstdSource&) = delete;

    std::size_t read(char* buffer, std::size_t size) override
    {
        ZSTD_outBuffer out{buffer, size, 0};
        while (out.pos < out.size) {
            if (m_input.pos == m_input.size) {
                const std::size_t n = m_file->read(m_in.data(), m_in.size());
                if (n == 0) {
                    if (m_pending != 0) {
                        throw InputError(fmt::format("cannot read {}: the zstd data ends early (truncated file?)", name()));
                    }
                    break;
                }
                m_input = {m_in.data(), n, 0};
            }
            m_pending = ZSTD_decompressStream(m_ctx, &out, &m_input);
            if (ZSTD_isError(m_pending) != 0) {
                throw InputError(fmt::format("cannot read {}: corrupt zstd data ({})", name(), ZSTD_getErrorName(m_pending)));
            }
        }
        return out.pos;
    }
    std::uint64_t consumed() const override { return m_file->consumed() - (m_input.size - m_input.pos); }
    std::optional<std::uint64_t> size() const override { return m_file->size(); }
    const char* compression() const override { return "zstd"; }

private:
    std::unique_ptr<FileReader> m_file;
    std::vector<char> m_in;
    ZSTD_DCtx* m_ctx;
    ZSTD_inBuffer m_input{nullptr, 0, 0};
    std::size_t m_pending = 0;
};

} // namespace

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path)
{
    std::string name = path == "-" ? "stdin" : path;
    auto file = std::make_unique<FileReader>(path, name);
    const std::string_view magic = file->peek(4);
    if (magic.size() >= 2 && magic[0] == '\x1f' && magic[1] == '\x8b') {
        return std::make_unique<GzipSource>(std::move(name), std::move(file));
    }
    if (magic == std::string_view("\x28\xb5\x2f\xfd", 4)) {
        return std::make_unique<ZstdSource>(std::move(name), std::move(file));
    }
    return std::make_unique<PlainSource>(std::move(name), std::move(file));
}

} // namespace devlog::importer
