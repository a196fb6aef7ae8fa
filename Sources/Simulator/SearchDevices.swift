import FlyingFox
import Foundation

/// One page of a Search Devices answer: `{"pageNumber":1,"devices":[...],"lastPage":true}`.
///
/// Control Center's answer has no per-device timestamp, so neither has this one; tests read
/// modification times with `ControlCenterSimulator.modificationDate(of:)`.
public struct SimulatedSearchPage: Sendable, Equatable {
    /// A listed device: the four fields Control Center lists.
    public struct Device: Sendable, Equatable {
        public var iccid: String
        public var status: String
        public var ratePlan: String
        public var communicationPlan: String
    }

    public var pageNumber: Int
    public var devices: [Device]
    public var lastPage: Bool

    static let empty = SimulatedSearchPage(pageNumber: 1, devices: [], lastPage: true)

    /// The answer's JSON, fields in the order of Control Center's example.
    var json: String {
        let records = devices.map { device in
            JSONText.object([
                ("iccid", JSONText.string(device.iccid)), ("status", JSONText.string(device.status)),
                ("ratePlan", JSONText.string(device.ratePlan)),
                ("communicationPlan", JSONText.string(device.communicationPlan)),
            ])
        }
        return JSONText.object([
            ("pageNumber", String(pageNumber)), ("devices", JSONText.array(records)),
            ("lastPage", lastPage ? "true" : "false"),
        ])
    }
}

/// A Search Devices request as Control Center reads it.
public struct SearchDevicesQuery: Sendable, Equatable {
    /// Devices modified at or after this time are listed (at or after: a client that starts
    /// its next pass where the last one began sees duplicates, never gaps).
    public var modifiedSince: Date
    /// Accepted by some tenants: devices modified at or before this time.
    public var modifiedTill: Date?
    /// Only devices with this status; `nil` or empty: every status.
    public var status: String?
    public var accountId: String?
    /// 1 to 50.
    public var pageSize: Int
    /// From 1.
    public var pageNumber: Int

    public init(
        modifiedSince: Date, modifiedTill: Date? = nil, status: String? = nil, accountId: String? = nil,
        pageSize: Int = 50, pageNumber: Int = 1
    ) {
        self.modifiedSince = modifiedSince
        self.modifiedTill = modifiedTill
        self.status = status
        self.accountId = accountId
        self.pageSize = pageSize
        self.pageNumber = pageNumber
    }

    static let maximumPageSize = 50
    static let parameters: Set<String> = ["modifiedSince", "modifiedTill", "status", "accountId", "pageSize", "pageNumber"]

    /// Reads a query string as a Java servlet does (Control Center's own stack): `+` is a
    /// space and `%2B` a plus. So `modifiedSince=2000-01-01T00:00:00+00:00` arrives with a
    /// space for its offset's sign and is refused, as Cisco's documentation warns; the
    /// message says to send `%2B`. The first of repeated parameters counts.
    /// - Returns: the query, or the message of Control Center's 400 answer.
    static func parse(rawQuery: String) -> Result<SearchDevicesQuery, SearchDevicesQueryError> {
        var values: [String: String] = [:]
        for part in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = formDecoded(pair[0]), let value = formDecoded(pair.count == 2 ? pair[1] : "") else {
                return .failure(.init("The query is not valid percent-encoded UTF-8."))
            }
            guard parameters.contains(name) else {
                return .failure(.init("Unrecognized parameter: \(name.prefix(64)). Search Devices takes "
                    + "modifiedSince, modifiedTill, status, accountId, pageSize and pageNumber."))
            }
            if values[name] == nil { values[name] = value }
        }
        guard let sinceText = values["modifiedSince"], !sinceText.isEmpty else {
            return .failure(.init("modifiedSince is required: an ISO 8601 date and time with an offset, "
                + "e.g. 2000-01-01T00:00:00+00:00 (send the + as %2B)."))
        }
        let since: Date
        switch ISO8601WithOffset.parse(sinceText, name: "modifiedSince") {
        case let .success(date): since = date
        case let .failure(error): return .failure(error)
        }
        var query = SearchDevicesQuery(modifiedSince: since)
        if let text = values["modifiedTill"], !text.isEmpty {
            switch ISO8601WithOffset.parse(text, name: "modifiedTill") {
            case let .success(date): query.modifiedTill = date
            case let .failure(error): return .failure(error)
            }
        }
        if let text = values["pageSize"] {
            guard let size = wholeNumber(text), size >= 1 else {
                return .failure(.init("pageSize must be a whole number from 1 to \(maximumPageSize)."))
            }
            guard size <= maximumPageSize else {
                return .failure(.init("pageSize must be at most \(maximumPageSize)."))
            }
            query.pageSize = size
        }
        if let text = values["pageNumber"] {
            guard let number = wholeNumber(text), number >= 1 else {
                return .failure(.init("pageNumber must be a whole number, 1 or more."))
            }
            query.pageNumber = number
        }
        if let text = values["accountId"], !text.isEmpty {
            guard wholeNumber(text) != nil else { return .failure(.init("accountId must be a number.")) }
            query.accountId = text
        }
        if let text = values["status"], !text.isEmpty { query.status = text }
        return .success(query)
    }

    /// `+` as a space, then percent-decoding; `nil` for a bad escape or bytes that are not UTF-8.
    private static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// ASCII digits only (no sign, no spaces), within `Int`; `nil` otherwise.
    private static func wholeNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}

/// The message of a Search Devices request Control Center refuses with 400.
struct SearchDevicesQueryError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Strict ISO 8601 date and time with an offset: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM|±HH)`.
enum ISO8601WithOffset {
    static func parse(_ text: String, name: String) -> Result<Date, SearchDevicesQueryError> {
        if let date = date(from: text) { return .success(date) }
        if text.contains(" "), date(from: text.replacingOccurrences(of: " ", with: "+")) != nil {
            return .failure(.init("\(name) has a space where its offset's + should be: a + in a query "
                + "reads as a space, so send it as %2B (e.g. 2000-01-01T00:00:00%2B00:00)."))
        }
        return .failure(.init("\(name) must be an ISO 8601 date and time with an offset, "
            + "e.g. 2000-01-01T00:00:00+00:00."))
    }

    /// The date, or `nil` for anything else (out-of-range fields, no offset, trailing text).
    static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40 else { return nil }
        var position = 0
        func number(_ width: Int) -> Int? {
            guard position + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + width)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("T"), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
              let second = number(2) else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var fraction = 0.0
        if expect(".") {
            let first = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            let digits = position - first
            guard (1...9).contains(digits) else { return nil }
            fraction = Double(String(decoding: bytes[first..<position], as: UTF8.self)).map { $0 / pow(10, Double(digits)) } ?? 0
        }
        var offsetSeconds = 0
        if expect("Z") {
            offsetSeconds = 0
        } else {
            let sign: Int
            if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
            guard let offsetHours = number(2), offsetHours <= 23 else { return nil }
            var offsetMinutes = 0
            if position < bytes.count {
                _ = expect(":")
                guard let minutes = number(2), minutes <= 59 else { return nil }
                offsetMinutes = minutes
            }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard position == bytes.count else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm);
    /// years 0000-9999 only, so nothing here can overflow.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension ControlCenterSimulator {
    /// The page Search Devices answers for `query`: devices modified in its window, oldest
    /// modification first. O(log n + page size), whatever the fleet's size.
    ///
    /// A device modified during a listing moves to the end; for `ModificationIndex.ghostLifetime`
    /// its old place is still listed (with its current values), so a listing in progress
    /// sees it twice rather than skipping another device. With a `status` filter, a device
    /// that left the status keeps its place but is not listed, so such a page may be short.
    /// An `accountId` other than `accountID` gets an empty last page here (HTTP: a 400).
    public func searchDevices(_ query: SearchDevicesQuery) -> SimulatedSearchPage {
        let pageNumber = max(1, query.pageNumber)
        guard query.accountId == nil || query.accountId == accountID else {
            return SimulatedSearchPage(pageNumber: pageNumber, devices: [], lastPage: true)
        }
        let now = dateClock.now.timeIntervalSinceReferenceDate
        let status = query.status.flatMap { $0.isEmpty ? nil : $0 }
        let index: ModificationIndex
        if let status {
            modificationsByStatus[status]?.expireGhosts(now: now)
            index = modificationsByStatus[status] ?? ModificationIndex()
        } else {
            modifications.expireGhosts(now: now)
            index = modifications
        }
        let size = min(max(1, query.pageSize), SearchDevicesQuery.maximumPageSize)
        let (offset, overflow) = (pageNumber - 1).multipliedReportingOverflow(by: size)
        let found = overflow ? (iccids: [], more: false) : index.page(
            since: query.modifiedSince.timeIntervalSinceReferenceDate,
            until: query.modifiedTill?.timeIntervalSinceReferenceDate ?? .infinity, offset: offset, limit: size
        )
        let listed = found.iccids.compactMap { iccid in
            device(iccid).flatMap { status == nil || $0.status == status ? $0 : nil }.map {
                SimulatedSearchPage.Device(
                    iccid: $0.iccid, status: $0.status, ratePlan: $0.ratePlan, communicationPlan: $0.communicationPlan
                )
            }
        }
        return SimulatedSearchPage(pageNumber: pageNumber, devices: listed, lastPage: !found.more)
    }

    /// The page for a raw query string, or the message of the 400 that refuses it.
    func searchDevicesPage(rawQuery: String) -> Result<SimulatedSearchPage, SearchDevicesQueryError> {
        SearchDevicesQuery.parse(rawQuery: rawQuery).flatMap { query in
            if let account = query.accountId, account != accountID {
                return .failure(.init("accountId \(account.prefix(32)) is not an account this user may see."))
            }
            return .success(searchDevices(query))
        }
    }

    /// The HTTP answer to an authorized Search Devices request.
    func searchDevicesAnswer(rawQuery: String) -> HTTPResponse {
        switch searchDevicesPage(rawQuery: rawQuery) {
        case let .success(page): .json(status: 200, page.json)
        case let .failure(error): ControlCenterErrors.invalidParameter(error.message)
        }
    }
}
