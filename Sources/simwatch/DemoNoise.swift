import Foundation
import ServiceLifecycle
import SimWatchDaemon
import SimWatchMonitor
import Simulator

/// The demo's noise control: a silence on one site, and one SIM flapping until it is damped.
enum DemoNoise {
    /// The site whose alerts the demo silences.
    static let silencedSite = "hamburg"
    /// Sites the demo's devices are spread over.
    static let sites = ["berlin", "hamburg", "paris"]
    /// Flapping in the demo: 4 changes within a minute, so the end shows up a minute later.
    static let flappingYAML = "flapping: { changes: 4, within: 1m }"

    /// Adds the demo's silence to the silences file before the daemon starts; prints what it did.
    static func silenceOneSite(silencesPath: String) throws {
        let now = Date()
        let request = try SilenceRequest.parse(
            matches: ["label.site=\(silencedSite)"], for: "1h", until: nil, reason: "demo: planned work in \(silencedSite)",
            now: now).get()
        let silence = try SilenceCommands.add(request, path: silencesPath, now: now)
        print("  silence \(silence.id)          label.site=\(silencedSite) for 1h: its alerts are logged with "
            + "silenced=\(silence.id), not posted (--verbose shows them)")
    }
}

/// Flips one SIM's status a few times through the simulator, so the channel shows a
/// `flapping` alert in place of further status changes, and `flapping_ended` a minute later.
struct DemoFlapperService: Service {
    let simulator: ControlCenterSimulator
    let iccid: String
    let name: String

    func run() async {
        await cancelWhenGracefulShutdown {
            try? await Task.sleep(for: .seconds(6))
            print("  demo: flipping \(name)'s status 8 times, 4 s apart, to show flapping being damped\n")
            for _ in 0..<8 where !Task.isCancelled {
                _ = await simulator.update(iccid) { $0.status = $0.status == "DEACTIVATED" ? "ACTIVATED" : "DEACTIVATED" }
                try? await Task.sleep(for: .seconds(4))
            }
        }
    }
}
