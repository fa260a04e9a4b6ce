#include "lib/db/copy_binary.hpp"

#include <limits>
#include <stdexcept>

namespace devlog::db {
namespace {

// 2000-01-01 00:00:00 UTC, PostgreSQL's epoch, in microseconds since the Unix epoch.
constexpr std::int64_t k_pg_epoch_us = 946'684'800LL * 1'000'000LL;
constexpr std::int32_t k_text_oid = 25;

std::int32_t length_of(std::size_t n)
{
    if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        throw std::length_error("a COPY field is larger than 2 GB");
    }
    return static_cast<std::int32_t>(n);
}

} // namespace

std::string_view CopyBuffer::header()
{
    static constexpr char k_header[] = "PGCOPY\n\377\r\n\0" // signature
                                       "\0\0\0\0"           // flags
                                       "\0\0\0\0";          // header extension length
    return {k_header, sizeof k_header - 1};
}

std::string_view CopyBuffer::trailer()
{
    static constexpr char k_trailer[] = "\377\377";
    return {k_trailer, 2};
}

void CopyBuffer::put16(std::int16_t v)
{
    const auto u = static_cast<std::uint16_t>(v);
    const char bytes[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
    m_bytes.append(bytes, 2);
}

void CopyBuffer::put32(std::int32_t v)
{
    const auto u = static_cast<std::uint32_t>(v);
    const char bytes[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
                           static_cast<char>(u)};
    m_bytes.append(bytes, 4);
}

void CopyBuffer::put64(std::int64_t v)
{
    const auto u = static_cast<std::uint64_t>(v);
    char bytes[8];
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<char>(u >> (56 - 8 * i));
    }
    m_bytes.append(bytes, 8);
}

void CopyBuffer::begin_row(std::int16_t fields)
{
    put16(fields);
}

void CopyBuffer::add_null()
{
    put32(-1);
}

void CopyBuffer::add_uuid(const Uuid& value)
{
    put32(16);
    m_bytes.append(reinterpret_cast<const char*>(value.bytes.data()), 16);
}

void CopyBuffer::add_timestamptz(time::Micros value)
{
    put32(8);
    put64(value - k_pg_epoch_us);
}

void CopyBuffer::add_int4(std::int32_t value)
{
    put32(4);
    put32(value);
}

void CopyBuffer::add_text(std::string_view value)
{
    put32(length_of(value.size()));
    m_bytes.append(value);
}

void CopyBuffer::add_jsonb(std::string_view json)
{
    put32(length_of(json.size() + 1));
    m_bytes.push_back('\1');
    m_bytes.append(json);
}

void CopyBuffer::add_text_array(std::span<const std::string_view> values)
{
    std::size_t total = 12; // ndim, has-nulls flag, element type
    if (!values.empty()) {
        total += 8; // size and lower bound of the one dimension
        for (const auto value : values) {
            total += 4 + value.size();
        }
    }
    put32(length_of(total));
    put32(values.empty() ? 0 : 1);
    put32(0);
    put32(k_text_oid);
    if (values.empty()) {
        return;
    }
    put32(length_of(values.size()));
    put32(1);
    for (const auto value : values) {
        add_text(value);
    }
}

} // namespace devlog::db
