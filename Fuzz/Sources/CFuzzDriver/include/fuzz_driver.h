// libFuzzer's entry for programs with their own main. SwiftPM links an
// executable target's main as <Target>_main (`--defsym main=…`), so the
// targets define that and hand over to libFuzzer here.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
