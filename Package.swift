// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "simwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "simwatch", targets: ["simwatch"]),
        // For the fuzz package in Fuzz/ (a separate package, so `make test` never builds it).
        .library(name: "SimWatchDomain", targets: [
            "SimWatchCore", "SimWatchConfig", "SimWatchControlCenter", "SimWatchState", "SimWatchMonitor", "SimWatchAlerts",
            "CurlHTTP",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.20.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // One libc call Swift's Glibc module leaves out (sync_file_range), for state saves.
        .systemLibrary(name: "CFileSync"),
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl"]
        ),
        // The domain, split so that the compiler holds the arrows (README, "Architecture"):
        // each target uses only targets declared before it, never one after.
        .target(
            name: "SimWatchCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SimWatchConfig",
            dependencies: [
                "SimWatchCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "SimWatchControlCenter",
            dependencies: ["SimWatchCore", "SimWatchConfig", "CurlHTTP", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SimWatchState",
            dependencies: ["SimWatchCore", "CFileSync", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SimWatchMonitor",
            dependencies: ["SimWatchCore", "SimWatchConfig", "SimWatchState", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SimWatchAlerts",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchState", "SimWatchMonitor", "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SimWatchDaemon",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchControlCenter", "SimWatchState", "SimWatchMonitor",
                "SimWatchAlerts", "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        .target(
            name: "Simulator",
            dependencies: [
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "simwatch",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchControlCenter", "SimWatchState", "SimWatchMonitor",
                "SimWatchAlerts", "SimWatchDaemon",
                "CurlHTTP",
                "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "simwatch-bench",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchState", "SimWatchMonitor", "SimWatchControlCenter", "Simulator",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: ["CurlHTTP", .product(name: "FlyingFox", package: "FlyingFox")]
        ),
        .testTarget(
            name: "SimWatchTests",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchControlCenter", "SimWatchState", "SimWatchMonitor", "SimWatchAlerts", "SimWatchDaemon",
                "Simulator", "CurlHTTP", "CFileSync",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "CurlHTTP"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SimWatchCore", "SimWatchConfig", "SimWatchControlCenter", "SimWatchState", "SimWatchMonitor", "SimWatchAlerts", "SimWatchDaemon",
                "Simulator", "CurlHTTP",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
