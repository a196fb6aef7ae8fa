// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for simwatch's decoders: `make fuzz` at the repository's root builds
// and runs them. A package of its own, so `swift build` and `make test` at the root never
// compile them. Built with `-sanitize=fuzzer,address -enable-testing` (see the Makefile):
// the harnesses use `@testable import` of the SimWatch targets to reach the internal decoders.

/// A path dependency's identity is its folder's name, which differs between worktrees and CI clones.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "simwatch-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer",
                .product(name: "SimWatchDomain", package: rootPackage.lastPathComponent),
            ]
        ),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzUsage", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzRetryAfter", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzWebhook", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzState", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzSearchDevices", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzSilences", dependencies: ["FuzzSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
