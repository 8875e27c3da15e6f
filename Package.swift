// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: executable → bench → engine. The engine
// (`Tickwork`) depends on nothing of ours and imports no UI.
let package = Package(
    name: "Tickwork",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tickwork", targets: ["Tickwork"]),
        .executable(name: "tickwork", targets: ["tickwork"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Linux calls Glibc does not import (gettid, thread names, timer slack).
        .target(name: "CTickworkLinux"),
        .target(
            name: "Tickwork",
            dependencies: [
                "CTickworkLinux",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(name: "TickworkBench", dependencies: ["Tickwork"]),
        .executableTarget(
            name: "tickwork",
            dependencies: [
                "Tickwork", "TickworkBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TickworkTests", dependencies: ["Tickwork"]),
        .testTarget(name: "TickworkBenchTests", dependencies: ["TickworkBench", "Tickwork"]),
    ]
)
