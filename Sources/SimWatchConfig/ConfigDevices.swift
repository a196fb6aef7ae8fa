import Foundation
import SimWatchCore
import Yams

/// `devices` and `devices_file`: the watched SIMs, in configuration order, each ICCID once.
enum ConfigDevices {
    static let entryKeys = ["iccid", "name", "labels"]

    /// - Parameter optional: with `fleet.discover`, no devices at all is fine.
    package static func load(_ root: MappingReader, _ context: ConfigContext, optional: Bool = false) -> [DeviceEntry] {
        let diagnostics = context.diagnostics
        let issuesBefore = diagnostics.issues.count
        var collector = Collector(diagnostics: diagnostics)
        _ = root.list("devices") { node, path in
            if let (device, mark) = entry(node, path, diagnostics) {
                collector.add(device, at: mark, path)
            }
        }
        if let node = root.value("devices_file") {
            readDevicesFile(node, root.path.key("devices_file"), context, into: &collector)
        }
        if collector.devices.isEmpty, diagnostics.issues.count == issuesBefore, !optional {
            if root.keyMark("devices") == nil, root.keyMark("devices_file") == nil {
                root.reportMissing("devices", " (or devices_file): list the ICCIDs to watch")
            } else {
                let key = root.keyMark("devices") != nil ? "devices" : "devices_file"
                diagnostics.error("no devices configured: list at least one ICCID", at: root.valueMark(key), root.path.key(key))
            }
        }
        return collector.devices
    }

    /// 15 to 22 digits; no Luhn check, since Control Center's own example fails it.
    package static func iccid(_ text: String) throws(ValueProblem) -> String {
        // On UTF-8: text made only of ASCII digits has as many Characters as bytes.
        guard (15...22).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw ValueProblem("expected an ICCID of 15 to 22 digits; got \(ConfigText.quoted(text))")
        }
        return text
    }

    /// Keeps the first place each ICCID was seen, so a duplicate names both.
    private struct Collector {
        let diagnostics: ConfigDiagnostics
        var devices: [DeviceEntry] = []
        /// Finds a listed ICCID among `devices` (a fleet's file lists 100,000 of them).
        var positions = DevicePositions()
        /// Where each of `devices` was listed: a line of the devices file (1 or more), or
        /// -1 - its index in `yamlPlaces`. A number, not a mark and path, per device.
        var places: [Int] = []
        var yamlPlaces: [(mark: Mark?, path: KeyPath)] = []
        /// The devices file (there is one at most).
        var file = ""

        /// A place of `places`, spelled out for a duplicate.
        func text(_ code: Int) -> String {
            guard code < 0 else { return "\(file):\(code)" }
            let place = yamlPlaces[-1 - code]
            return "\(diagnostics.place(place.mark)) (\(place.path))"
        }

        mutating func reserve(_ more: Int) {
            devices.reserveCapacity(devices.count + more)
            places.reserveCapacity(places.count + more)
            positions.reserveCapacity(positions.count + more, in: devices)
        }

        mutating func add(_ device: DeviceEntry, at mark: Mark?, _ path: KeyPath) {
            if let first = firstListing(of: device, place: -(yamlPlaces.count + 1)) {
                return diagnostics.error("duplicate ICCID \(device.iccid); first listed at \(first)", at: mark, path)
            }
            yamlPlaces.append((mark, path))
        }

        /// Adds the entry on line `line` of `file`; where the ICCID was first listed when it was already.
        ///
        /// No place or report closure per line: a fleet's file is 100,000 of them.
        mutating func add(_ device: DeviceEntry, line: Int) -> String? {
            firstListing(of: device, place: max(line, 1))
        }

        /// Adds `device`, listed at `place`, or names where its ICCID was listed first.
        private mutating func firstListing(of device: DeviceEntry, place: Int) -> String? {
            devices.append(device)
            if let first = positions.insert(devices.count - 1, in: devices) {
                devices.removeLast()
                return text(places[first])
            }
            places.append(place)
            return nil
        }
    }

    /// `"8988…"` or `{ iccid: "8988…", name: truck-17, labels: { site: berlin } }`, and where its ICCID is.
    private static func entry(_ node: Node, _ path: KeyPath, _ diagnostics: ConfigDiagnostics) -> (DeviceEntry, Mark?)? {
        if case .scalar = node {
            // The raw scalar text: YAML would read an unquoted ICCID as a number and lose digits.
            return MappingReader.scalar(node, path, expected: "an ICCID", diagnostics, iccid).map { (DeviceEntry(iccid: $0), node.mark) }
        }
        guard let entry = MappingReader(node, path, known: entryKeys, diagnostics, expected: "an ICCID or a mapping with iccid, name and labels")
        else { return nil }
        let iccid = entry.scalar("iccid", required: true, expected: "an ICCID", iccid)
        let name = entry.string("name")
        var labels: [String: String] = [:]
        if let reader = entry.mapping("labels", known: nil) {
            for key in reader.keys {
                if let value = reader.scalar(key, required: true, expected: "a string", { (text) throws(ValueProblem) in text }) {
                    labels[key] = value
                }
            }
        }
        guard let iccid else { return nil }
        return (DeviceEntry(iccid: iccid, name: name, labels: labels), entry.valueMark("iccid"))
    }

    /// One ICCID per line, an optional name after it, `#` comments and blank lines.
    private static func readDevicesFile(
        _ node: Node, _ path: KeyPath, _ context: ConfigContext, into collector: inout Collector
    ) {
        let diagnostics = context.diagnostics
        guard let given = MappingReader.scalar(node, path, expected: "a file path", diagnostics, { (text) throws(ValueProblem) in text })
        else { return }
        let file = context.resolve(given)
        let text: String
        switch ConfigFiles.contents(file) {
        case .failure(let failure):
            diagnostics.error("cannot read devices file \(file): \(failure.reason)", at: node.mark, path)
            return
        case .success(let data):
            guard let decoded = String(data: data, encoding: .utf8) else {
                diagnostics.error("devices file \(file) is not UTF-8 text", at: node.mark, path)
                return
            }
            text = decoded
        }
        let lines = DevicesFileLines.entries(text)
        // A fleet's file is 100,000 lines: room for them all at once, not a dozen regrowths and rehashes.
        collector.reserve(lines.count)
        collector.file = file
        for line in lines {
            do {
                let device = DeviceEntry(iccid: try iccid(line.token), name: line.rest.isEmpty ? nil : line.rest)
                if let first = collector.add(device, line: line.number) {
                    diagnostics.error("duplicate ICCID \(device.iccid); first listed at \(first)",
                                      line: line.number, column: line.column, path, file: file)
                }
            } catch {
                diagnostics.error(error.message, line: line.number, column: line.column, path, file: file)
            }
        }
    }
}
