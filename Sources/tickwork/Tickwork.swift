import ArgumentParser

/// `tickwork`: the entry point only parses arguments and wires the parts.
@main
struct TickworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickwork",
        abstract: "A background scheduler with a live terminal view of its threads, queues and tasks.",
        subcommands: [BenchCommand.self]
    )
}
