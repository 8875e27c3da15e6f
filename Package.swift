// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way:
//   tickwork (executable) → TickworkCLI → TickworkTerminal, TickworkDemos, TickworkBench
//   TickworkTerminal → TickworkDashboard, CNcursesw, CTerminalRescue
//   TickworkDemos, TickworkBench → Tickwork (the engine) → TickworkModel
//   TickworkDashboard → TickworkModel only (plain Codable values: the same
//   screen can be fed from this process or from a socket)
//   TickworkLink → Tickwork (the in-process EngineLink)
//   TickworkWire → TickworkLink, Tickwork (frames, Unix sockets, EngineServer, RemoteEngineLink, EngineAgent)
//   TickworkMetrics → TickworkWire, Tickwork (Prometheus text of an EngineLink's sample; GET /metrics)
//   TickworkCLI → TickworkLink, TickworkJobFile → TickworkProcess → CTickworkSpawn, Tickwork
//   TickworkJobFile → TickworkStore → CSQLite, Tickwork (the state file a server keeps)
//   TickworkPostgres → TickworkJobFile, CLibPQ (the cluster's tables; only job-file jobs travel)
// The engine depends on nothing of ours and imports no UI; only
// TickworkTerminal imports ncurses.
let package = Package(
    name: "Tickwork",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tickwork", targets: ["Tickwork"]),
        .executable(name: "tickwork", targets: ["tickwork"]),
        // The command line as a library: the fuzz harness (Fuzz/) parses with it.
        .library(name: "TickworkCLI", targets: ["TickworkCLI"]),
        // The wire as a library: the fuzz harness decodes frames with it.
        .library(name: "TickworkWire", targets: ["TickworkWire"]),
        // Job files as a library: the fuzz harness checks files with it.
        .library(name: "TickworkJobFile", targets: ["TickworkJobFile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Linux calls Glibc does not import (gettid, thread names, timer slack).
        .target(name: "CTickworkLinux"),
        // The plain values every view reads: snapshots, windows, details, events.
        .target(name: "TickworkModel"),
        .target(
            name: "Tickwork",
            dependencies: [
                "TickworkModel", "CTickworkLinux",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(name: "TickworkBench", dependencies: ["Tickwork"]),
        // posix_spawn in a new session, pipes, pidfds, the child subreaper.
        .target(name: "CTickworkSpawn"),
        // Runs commands in process groups, captures output, reaps everything.
        .target(name: "TickworkProcess", dependencies: ["Tickwork", "CTickworkSpawn"]),
        // Job files: YAML → checked jobs (with line and column) → engine jobs.
        .target(
            name: "TickworkJobFile",
            dependencies: ["Tickwork", "TickworkProcess", "TickworkStore", .product(name: "Yams", package: "Yams")]
        ),
        // The system's libsqlite3 (Debian's libsqlite3-dev), for the state file.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // What outlives a server: the store interface and the SQLite state file.
        .target(name: "TickworkStore", dependencies: ["Tickwork", "TickworkModel", "CSQLite"]),
        // libpq (Debian's libpq-dev), for the cluster store.
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),
        // One schedule for many machines: the cluster's tables in PostgreSQL.
        .target(name: "TickworkPostgres", dependencies: ["Tickwork", "TickworkModel", "TickworkJobFile", "TickworkStore", "CLibPQ"]),
        .target(name: "TickworkDemos", dependencies: ["Tickwork"]),
        // The engine in this process behind the model's EngineLink: what a
        // dashboard, and later a socket server, reads and commands.
        .target(name: "TickworkLink", dependencies: ["Tickwork", "TickworkModel"]),
        // The wire: frames, messages, Unix sockets; the server that answers
        // over an EngineLink and the remote EngineLink a dashboard attaches with.
        .target(name: "TickworkWire", dependencies: ["Tickwork", "TickworkModel", "TickworkLink", "CTickworkLinux"]),
        // Prometheus text of an EngineLink's sample, and GET /metrics over HTTP.
        .target(name: "TickworkMetrics", dependencies: ["Tickwork", "TickworkModel", "TickworkWire"]),
        // The pure dashboard: (frame, UI state) → screen; (state, key) → commands.
        .target(name: "TickworkDashboard", dependencies: ["TickworkModel"]),
        // ncursesw, through a module map and a shim header (no pkg-config:
        // SwiftPM would drop its -D flags and warn on every build).
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        // Restores the terminal from a fatal-signal handler (async-signal-safe C).
        .target(name: "CTerminalRescue"),
        .target(
            name: "TickworkTerminal",
            dependencies: [
                "TickworkDashboard", "TickworkModel", "Tickwork", "CNcursesw", "CTerminalRescue", "CTickworkLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TickworkCLI",
            dependencies: [
                "Tickwork", "TickworkModel", "TickworkLink", "TickworkWire", "TickworkMetrics", "TickworkBench", "TickworkDemos", "TickworkDashboard", "TickworkTerminal", "TickworkJobFile", "TickworkProcess",
                "TickworkStore", "TickworkPostgres", "CTickworkLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "tickwork", dependencies: ["TickworkCLI"]),
        .testTarget(name: "TickworkTests", dependencies: ["Tickwork"], exclude: ["Fixtures"]),
        .testTarget(name: "TickworkBenchTests", dependencies: ["TickworkBench", "Tickwork"]),
        .testTarget(name: "TickworkDashboardTests", dependencies: ["TickworkDashboard", "Tickwork"], exclude: ["Golden"]),
        .testTarget(name: "TickworkDemosTests", dependencies: ["TickworkDemos", "Tickwork"]),
        .testTarget(name: "TickworkLinkTests", dependencies: ["TickworkLink", "Tickwork", "TickworkModel"]),
        .testTarget(name: "TickworkWireTests", dependencies: ["TickworkWire", "TickworkLink", "Tickwork", "TickworkModel"]),
        .testTarget(name: "TickworkMetricsTests", dependencies: ["TickworkMetrics", "TickworkLink", "Tickwork", "TickworkModel"],
                    exclude: ["Golden"]),
        .testTarget(name: "TickworkPostgresTests", dependencies: ["TickworkPostgres", "TickworkJobFile", "TickworkStore", "Tickwork"]),
        .testTarget(name: "TickworkStoreTests", dependencies: ["TickworkStore", "TickworkModel"]),
        .testTarget(name: "TickworkProcessTests", dependencies: ["TickworkProcess", "Tickwork"]),
        .testTarget(name: "TickworkJobFileTests", dependencies: ["TickworkJobFile", "TickworkProcess", "TickworkStore", "TickworkModel", "Tickwork"]),
        // Drives the real binary under tmux (needs tmux; builds nothing itself).
        .testTarget(name: "TickworkEndToEndTests"),
    ]
)
