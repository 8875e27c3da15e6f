// swift-tools-version:6.0
// Fuzz targets for Tickwork's parsers (libFuzzer). Its own package, so the
// main build never sees `-sanitize=fuzzer` or `-parse-as-library`; the
// targets use the parent's products.
// Build and run: scripts/fuzz.sh (README: "Fuzzing").
import PackageDescription

let package = Package(
    name: "TickworkFuzz",
    // Named, so the product references hold whatever the clone's folder is called.
    dependencies: [.package(name: "Tickwork", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "FuzzCron", dependencies: ["CFuzzDriver", .product(name: "Tickwork", package: "Tickwork")]),
        .executableTarget(name: "FuzzSeconds", dependencies: ["CFuzzDriver", .product(name: "Tickwork", package: "Tickwork")]),
        .executableTarget(name: "FuzzJobFile", dependencies: ["CFuzzDriver", .product(name: "TickworkJobFile", package: "Tickwork")]),
        .executableTarget(name: "FuzzFrames", dependencies: ["CFuzzDriver", .product(name: "TickworkWire", package: "Tickwork")]),
        .executableTarget(name: "FuzzCommandLine", dependencies: ["CFuzzDriver", .product(name: "TickworkCLI", package: "Tickwork")]),
    ]
)
