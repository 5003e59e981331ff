// UTF-16 helpers for the Windows string types (WCHAR = char16_t).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <sslp11/sslprovider.h>

namespace sslp11::abi {

// A NUL-terminated LPCWSTR as a view; stops after `max` characters so a
// missing terminator cannot run off into memory.
std::u16string_view wide_view(LPCWSTR s, std::size_t max = 1024);
// ASCII -> UTF-16 into a fixed WCHAR array, always NUL-terminated.
void copy_ascii(std::string_view from, WCHAR* to, std::size_t capacity);
void copy_wide(std::u16string_view from, WCHAR* to, std::size_t capacity);
std::u16string to_wide(std::string_view ascii);

}  // namespace sslp11::abi
