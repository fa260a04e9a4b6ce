# Warnings for our own targets only (an INTERFACE target), errors when DEVLOG_WERROR is on:
# developers and CI build with -Werror, users with a newer compiler are not broken by it.
add_library(devlog_warnings INTERFACE)
target_compile_options(devlog_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough)
if(DEVLOG_WERROR)
  target_compile_options(devlog_warnings INTERFACE -Werror)
endif()
if(DEVLOG_SANITIZE)
  target_compile_options(devlog_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(devlog_warnings INTERFACE -fsanitize=address,undefined)
endif()
