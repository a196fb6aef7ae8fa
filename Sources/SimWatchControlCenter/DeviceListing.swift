import Foundation
import SimWatchCore

/// One page of a Search Devices answer, as far as it can be trusted.
public struct DeviceListingPage: Sendable, Equatable {
    /// The SIMs listed on this page, in the answer's order (oldest modification first).
    public var devices: [ListedDevice]
    /// Whether Control Center said this is the last page.
    public var lastPage: Bool
    /// Why records were left out (an invalid ICCID, an overlong field), at most `DeviceListing.maxReasons`.
    public var skipped: [String]
    /// How many records were left out in all.
    public var skippedCount: Int

    public init(devices: [ListedDevice], lastPage: Bool, skipped: [String] = [], skippedCount: Int = 0) {
        self.devices = devices
        self.lastPage = lastPage
        self.skipped = skipped
        self.skippedCount = skippedCount
    }
}

/// Decodes `{"pageNumber":1,"devices":[{"iccid",...}],"lastPage":true}` in one strict pass on `JSONScanner`.
///
/// The answer is the server's, so nothing in it is trusted: `lastPage` must be a boolean
/// (without it, nobody can tell whether more pages follow), `pageNumber` when present must
/// be the page asked for, at most `maxDevices` records, each with a valid ICCID and text
/// fields of at most `UsageResponse.maxTextBytes`. A record that breaks a per-record rule is
/// skipped and counted, so one bad SIM cannot stop the feed for the whole account; a page
/// that breaks a page rule is refused.
enum DeviceListing {
    /// Pages are asked for with `pageSize=50`; a longer one is not Control Center's answer.
    static let maxDevices = 50
    /// Reasons kept per page for the log line.
    static let maxReasons = 3

    /// A page rule the answer broke, worded for the log.
    struct Refused: Error, Equatable {
        var reason: String
    }

    /// The page in `body`, which answers the request for page `pageNumber`.
    static func decode(_ body: Data, pageNumber: Int) throws(Refused) -> DeviceListingPage {
        let result = body.withUnsafeBytes { raw -> Result<DeviceListingPage, Refused> in
            let bytes = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            guard bytes.count > 0 else { return .failure(Refused(reason: "empty body")) }
            guard String(validating: bytes, as: UTF8.self) != nil else {
                return .failure(Refused(reason: "body is not UTF-8"))
            }
            var reader = Reader(scanner: JSONScanner(bytes: bytes), pageNumber: pageNumber)
            do {
                return .success(try reader.page())
            } catch let refused as Refused {
                return .failure(refused)
            } catch let error as JSONFormatError {
                return .failure(Refused(reason: "body is not a Search Devices answer (\(error.description))"))
            } catch {
                return .failure(Refused(reason: "body is not a Search Devices answer"))
            }
        }
        return try result.get()
    }

    private struct Reader {
        var scanner: JSONScanner
        let pageNumber: Int
        var skipped: [String] = []
        var skippedCount = 0

        mutating func page() throws -> DeviceListingPage {
            var devices: [ListedDevice]?
            var lastPage: Bool?
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                if key.matches("devices") {
                    guard devices == nil else { throw Refused(reason: "\"devices\" appears twice") }
                    devices = try scanner.skipNull() ? [] : try records()
                } else if key.matches("lastPage") {
                    guard lastPage == nil else { throw Refused(reason: "\"lastPage\" appears twice") }
                    guard !(try scanner.skipNull()) else { throw Refused(reason: "\"lastPage\" is null") }
                    lastPage = try scanner.readBool()
                } else if key.matches("pageNumber") {
                    try checkPageNumber()
                } else {
                    try scanner.skipValue()
                }
            }
            guard scanner.peek() == nil else { throw Refused(reason: "data after the end of the answer") }
            guard let lastPage else {
                throw Refused(reason: "no \"lastPage\": cannot tell whether more pages follow")
            }
            return DeviceListingPage(devices: devices ?? [], lastPage: lastPage, skipped: skipped, skippedCount: skippedCount)
        }

        /// A page number that is not the one asked for means the pages cannot be followed.
        private mutating func checkPageNumber() throws {
            if try scanner.skipNull() { return }
            let number: Int64
            do {
                number = try scanner.readInt()
            } catch {
                throw Refused(reason: "\"pageNumber\" is not a whole number")
            }
            guard number == Int64(pageNumber) else {
                // Bounded before it is shown: only a plausible page number is quoted.
                let shown = (1...1_000_000).contains(number) ? "\(number)" : "out of range"
                throw Refused(reason: "\"pageNumber\" is \(shown), not the page \(pageNumber) asked for")
            }
        }

        private mutating func records() throws -> [ListedDevice] {
            var devices: [ListedDevice] = []
            var array = try scanner.beginArray()
            while try scanner.nextElement(&array) {
                guard devices.count + skippedCount < DeviceListing.maxDevices else {
                    throw Refused(reason: "more than \(DeviceListing.maxDevices) devices on one page")
                }
                switch try record() {
                case .success(let device): devices.append(device)
                case .failure(let refused): skip(refused.reason)
                }
            }
            return devices
        }

        private mutating func skip(_ reason: String) {
            skippedCount += 1
            if skipped.count < DeviceListing.maxReasons { skipped.append(reason) }
        }

        /// One record, or why it is skipped; malformed JSON still throws (the page is unreadable).
        private mutating func record() throws -> Result<ListedDevice, Refused> {
            guard !(try scanner.skipNull()) else { return .failure(Refused(reason: "a record is null")) }
            var iccid: String?
            var device = ListedDevice(iccid: "")
            var problem: String?
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                if key.matches("iccid") {
                    iccid = try text("iccid", &problem)
                } else if key.matches("status") {
                    device.status = try text("status", &problem)
                } else if key.matches("ratePlan") {
                    device.ratePlan = try text("ratePlan", &problem)
                } else if key.matches("communicationPlan") {
                    device.communicationPlan = try text("communicationPlan", &problem)
                } else {
                    try scanner.skipValue()
                    continue
                }
                for (field, value) in [("status", device.status), ("ratePlan", device.ratePlan),
                                       ("communicationPlan", device.communicationPlan)]
                where (value?.utf8.count ?? 0) > UsageResponse.maxTextBytes {
                    problem = problem ?? "a record's \"\(field)\" is longer than \(UsageResponse.maxTextBytes) bytes"
                }
            }
            guard let iccid, ICCID.isValid(iccid) else {
                return .failure(Refused(reason: "a record without a valid ICCID (15 to 22 digits)"))
            }
            // The ICCID is valid, so it may be quoted; the problem names only the field.
            if let problem { return .failure(Refused(reason: "\(problem) (ICCID \(iccid))")) }
            device.iccid = iccid
            return .success(device)
        }

        /// A string, `nil` for `null`; any other type is skipped and makes the record's `problem`.
        private mutating func text(_ field: String, _ problem: inout String?) throws -> String? {
            if try scanner.skipNull() { return nil }
            guard scanner.peek() == UInt8(ascii: "\"") else {
                try scanner.skipValue()
                problem = problem ?? "a record's \"\(field)\" is not a string"
                return nil
            }
            return try scanner.readString()
        }
    }
}
