// The `tickwork` binary: everything lives in TickworkCLI, so the fuzz
// harness (Fuzz/) parses and validates the same commands without running them.
import TickworkCLI

TickworkCommand.main()
