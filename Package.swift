// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "simwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "simwatch", targets: ["simwatch"]),
        // For the fuzz package in Fuzz/ (a separate package, so `make test` never builds it).
        .library(name: "SimWatch", targets: ["SimWatch", "CurlHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.20.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl"]
        ),
        .target(
            name: "SimWatch",
            dependencies: [
                "CurlHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
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
                "SimWatch",
                "CurlHTTP",
                "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "simwatch-bench",
            dependencies: ["SimWatch", "Simulator"]
        ),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: ["CurlHTTP", .product(name: "FlyingFox", package: "FlyingFox")]
        ),
        .testTarget(
            name: "SimWatchTests",
            dependencies: ["SimWatch", "Simulator"]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "CurlHTTP"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SimWatch", "Simulator", "CurlHTTP"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
