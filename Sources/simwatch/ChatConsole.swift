import Foundation
import ServiceLifecycle
import SimWatchCore
import SimWatchDaemon
import Simulator

/// Prints alerts the way a chat channel shows them, for `simwatch demo`.
struct ChatConsole: Sendable {
    let colors: Bool

    private func paint(_ text: String, _ code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func banner(devices: Int, simulatorURL: String, stateFolder: String) {
        print(paint("simwatch demo", "1") + " — \(devices) simulated SIMs, discovered on the account; ACTIVATED and TEST_READY ones polled every 2 s")
        print("  Control Center simulator  \(simulatorURL)  (usage runs 1200× fast; a status or overage flag changes every 3 s)")
        print("  change feed               Search Devices every 2 s: status and plan changes of every SIM, polled or not;")
        print("                            a new SIM joins the account every 15 s (device discovered)")
        print("  state and config          \(stateFolder)")
        print("  daily digest              simwatch digest --config \(stateFolder)/simwatch.yaml --print")
        print("  channel                   #sim-alerts (below)   — press Ctrl-C to stop\n")
    }

    func show(_ event: Event) {
        let (badge, color) = switch event.severity {
        case .critical: ("CRITICAL", "1;31")
        case .warning: ("WARNING ", "1;33")
        case .info: ("INFO    ", "1;36")
        }
        let time = Timestamp.timeOfDay(event.observedAt, offsetSeconds: TimeZone.current.secondsFromGMT(for: event.observedAt))
        let title = event.kind.rawValue.replacingOccurrences(of: "_", with: " ")
        let text = "\(paint("simwatch", "1;35")) \(paint(time, "2"))  \(paint(badge, color))  \(paint(title, "1"))\n"
            + "  \(TerminalText.clean(event.summary, keepNewlines: true).replacingOccurrences(of: "\n", with: "\n  "))\n"
        // The banner's `print`s are buffered when stdout is a pipe: out first, in order.
        fflush(nil)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func goodbye() {
        print("\nsimwatch demo stopped; state saved and the temporary folder removed.")
    }
}

/// Reads what reached the demo's webhook sink and prints each event once.
struct AlertPrinterService: Service {
    let sink: WebhookSink
    let console: ChatConsole

    private struct Batch: Decodable {
        let events: [Event]
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var seen = 0
            let decoder = JSONDecoder.simwatch()
            while !Task.isCancelled {
                let requests = await sink.requests
                for request in requests.dropFirst(seen) {
                    guard let batch = try? decoder.decode(Batch.self, from: request.body) else { continue }
                    batch.events.forEach(console.show)
                }
                seen = requests.count
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
