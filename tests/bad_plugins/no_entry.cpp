// A shared library without the sgm entry point.
extern "C" __attribute__((visibility("default"))) int some_other_function() { return 42; }
