# shellcheck shell=bash
# configure_build DIR: configures DIR (once; cmake re-configures itself later) the one way
# scripts/test and scripts/demo share, so switching between them never forces a rebuild:
# Debug, warnings as errors, AddressSanitizer + UBSan (leaks included).
configure_build() {
  local dir=$1
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDEVLOG_WERROR=ON -DDEVLOG_SANITIZE=ON >&2
  elif ! grep -q '^DEVLOG_WERROR:BOOL=ON$' "$dir/CMakeCache.txt" ||
    ! grep -q '^DEVLOG_SANITIZE:BOOL=ON$' "$dir/CMakeCache.txt"; then
    cmake -S . -B "$dir" -DDEVLOG_WERROR=ON -DDEVLOG_SANITIZE=ON >&2
  fi
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
}
