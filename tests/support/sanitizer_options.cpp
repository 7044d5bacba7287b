// Sanitizer defaults for the ASan/UBSan test binaries (the runtime asks for
// them at start-up; ASAN_OPTIONS/UBSAN_OPTIONS in the environment still win).
// Compiled into the test support library, which every test binary links.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "detect_leaks=1:abort_on_error=0"; }
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1"; }
#endif
