import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import Synchronization

/// Keeps the engine's silences in step with the silences file.
///
/// `check()` looks at the file's identity and version (`stat`: inode, size, modification
/// time) and reads it only when they changed, so polling it every second costs one
/// `stat`. A file that cannot be read or parsed is logged once per version, with its path,
/// and the last good set stays in force; a file that goes away means no silences.
public final class SilenceWatcher: Sendable {
    private let store: SilenceStore
    private let engine: MonitorEngine
    private let logger: Logger
    private let observer: (any EngineObserver)?
    /// The version last looked at; `.some(nil)` when the file was missing.
    private let seen = Mutex<FileFingerprint??>(nil)

    public init(path: String, engine: MonitorEngine, logger: Logger, observer: (any EngineObserver)?) {
        self.store = SilenceStore(path: path)
        self.engine = engine
        self.logger = logger
        self.observer = observer
    }

    public var path: String { store.path }

    /// Reads the file when it changed since the last call, and updates the gauge of silences in force.
    public func check() async {
        let store = store
        let fingerprint = await BlockingIO.run { store.fingerprint() }
        let changed = seen.withLock { seen in
            defer { seen = .some(fingerprint) }
            return seen != .some(fingerprint)
        }
        if changed { await load(exists: fingerprint != nil) }
        observer?.setActiveSilences(await engine.activeSilences().count)
    }

    private func load(exists: Bool) async {
        guard exists else {
            let had = await engine.activeSilences().count
            await engine.setSilences([])
            if had > 0 {
                logger.info("silences file gone; no silences in force", metadata: ["path": "\(store.path)"])
            }
            return
        }
        let store = store
        switch await BlockingIO.run({ store.read() }) {
        case .success(let silences):
            await engine.setSilences(silences)
            logger.info("silences loaded", metadata: [
                "path": "\(store.path)", "silences": "\(silences.count)",
            ])
        case .failure(let problem):
            logger.error("silences file not usable; the silences loaded before stay in force", metadata: [
                "path": "\(store.path)", "error": "\(problem.message)",
            ])
        }
    }
}

/// Looks at the silences file every `period` (1 s), so a change applies within 2 s.
struct SilenceWatchService: Service {
    let watcher: SilenceWatcher
    let period: Duration
    let clock: MonotonicClock

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await watcher.check()
                try? await clock.sleep(for: period)
            }
        }
    }
}

/// A reload may not move the silences file: the watcher follows the path it started with.
struct SilencesFileChange: Error, CustomStringConvertible {
    let from: String
    let to: String

    /// Throws when `new` names another silences file than `old`.
    static func refuse(from old: Config, to new: Config) throws(SilencesFileChange) {
        guard old.silencesPath != new.silencesPath else { return }
        throw SilencesFileChange(from: old.silencesPath, to: new.silencesPath)
    }

    var description: String {
        "silences_file changed from \(from) to \(to): that needs a restart (systemctl restart simwatch)"
    }
}
