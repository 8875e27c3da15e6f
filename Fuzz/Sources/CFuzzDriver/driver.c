// Intentionally empty: the header declares libFuzzer's driver, which the
// -sanitize=fuzzer runtime defines.
