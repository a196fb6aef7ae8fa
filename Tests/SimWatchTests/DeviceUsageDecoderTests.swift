import CurlHTTP
import Foundation
import Testing
@testable import SimWatchControlCenter
@testable import SimWatchCore

/// The fast `DeviceUsage` decoder agrees with `JSONDecoder` on every input, odd ones included.
@Suite struct DeviceUsageDecoderTests {
    static let reference = #"""
    {"iccid":"8988216716970004975","imsi":"901161697004975","msisdn":"882351697004975","imei":"",
     "status":"ACTIVATED","ratePlan":"hphlr rp1","communicationPlan":"CP_Basic_ON","ctdDataUsage":123456789,
     "ctdSMSUsage":4,"ctdVoiceUsage":60,"ctdSessionCount":null,"overageLimitReached":false,
     "overageLimitOverride":"DEFAULT"}
    """#

    /// What `JSONDecoder` made of the body before the fast path existed.
    func reference(_ body: Data) -> DeviceUsage? {
        try? JSONDecoder().decode(DeviceUsage.self, from: body)
    }

    func decoded(_ body: Data) -> DeviceUsage? {
        try? DeviceUsageDecoder.decode(body)
    }

    @Test func theReferenceAnswerTakesTheFastPath() throws {
        let body = Data(Self.reference.utf8)
        let fast = try #require(DeviceUsageDecoder.fastDecode(body))
        #expect(fast == reference(body))
        #expect(fast.ctdSessionCount == nil && fast.imei == "" && fast.ctdDataUsage == 123_456_789)
    }

    /// Inputs the fast path reads itself; each must equal JSONDecoder's result.
    @Test(arguments: [
        #"{"iccid":"1"}"#,
        #"{"iccid":"1","status":"SOMETHING_NEW","imei":""}"#,
        #"{"iccid":"1","ctdDataUsage":9223372036854775807,"ctdSMSUsage":-9223372036854775808}"#,
        #"{"iccid":"1","ctdDataUsage":-0}"#,
        #"{"iccid":"1","ctdDataUsage":9007199254740993}"#,
        #"{"iccid":"1","imsi":null,"msisdn":null,"imei":null,"status":null,"ratePlan":null,"#
            + #""communicationPlan":null,"ctdDataUsage":null,"ctdSMSUsage":null,"ctdVoiceUsage":null,"#
            + #""ctdSessionCount":null,"overageLimitReached":null,"overageLimitOverride":null}"#,
        #"{"iccid":"1","unknown":{"nested":[1,2.5e3,-1,true,null,"x"]},"another":[]}"#,
        #"{"iccid":"1","status":"\"\\\/\b\f\n\r\t"}"#,
        #"{"iccid":"1","status":"\ud83d\ude00 \u00fc \u0000"}"#,
        #"{"icc\u0069d":"1","st\u0061tus":"ACTIVATED"}"#,
        " \n\t{ \"iccid\" : \"1\" , \"overageLimitReached\" : true }\r\n ",
        #"{"iccid":"1","ratePlan":"Tarif für Österreich 😀"}"#,
        #"{"iccid":"","status":""}"#,
    ])
    func fastPathAgreesWithJSONDecoder(body: String) throws {
        let data = Data(body.utf8)
        let expected = try #require(reference(data))
        #expect(DeviceUsageDecoder.fastDecode(data) == expected)
        #expect(decoded(data) == expected)
    }

    /// Inputs the fast path leaves to JSONDecoder, which accepts some and rejects others as before.
    @Test(arguments: [
        #"{"iccid":"1","ctdDataUsage":1.0}"#,  // JSONDecoder: 1
        #"{"iccid":"1","ctdDataUsage":1e3}"#,  // 1000
        #"{"iccid":"1","ctdDataUsage":1E+2}"#,
        #"{"iccid":"1","ctdDataUsage":1,"ctdDataUsage":2}"#,  // the first wins
        #"{"iccid":"1","iccid":"2"}"#,
        #"{"iccid":"1",}"#,  // JSONDecoder allows a trailing comma
        #"{"iccid":"1","x":01}"#,
        "\u{FEFF}{\"iccid\":\"1\"}",
        #"{"iccid":"1","ctdDataUsage":9223372036854775808}"#,
        #"{"iccid":"1","ctdDataUsage":-9223372036854775809}"#,
        #"{"iccid":"1","ctdDataUsage":1e300}"#,
        #"{"iccid":"1","ctdDataUsage":1.5}"#,
        #"{"iccid":"1","ctdDataUsage":NaN}"#,
        #"{"iccid":"1","ctdDataUsage":Infinity}"#,
        #"{"iccid":"1","ctdDataUsage":01}"#,
        #"{"iccid":"1","ctdDataUsage":+1}"#,
        #"{"iccid":"1","ctdDataUsage":"5"}"#,
        #"{"iccid":"1","ctdDataUsage":" "}"#,
        #"{"iccid":1}"#,
        #"{"iccid":null}"#,
        #"{"imsi":"1"}"#,
        #"{"iccid":"1","overageLimitReached":1}"#,
        #"{"iccid":"1","overageLimitReached":"true"}"#,
        #"{"iccid":"1","status":"\ud83d"}"#,
        #"{"iccid":"1","status":"\ude00"}"#,
        #"{"iccid":"1","status":"\x"}"#,
        "{\"iccid\":\"1\",\"status\":\"a\u{01}b\"}",
        #"{"iccid":"1"} trailing"#,
        #"{"iccid":"1"}{"iccid":"2"}"#,
        #"{"iccid":"1""#,
        #"{"iccid":"1","#,
        "", " ", "null", "[]", "\"text\"", "42", "{", "}",
        "<html><body>OK</body></html>",
    ])
    func oddInputsDecodeExactlyAsJSONDecoderDoes(body: String) {
        let data = Data(body.utf8)
        #expect(decoded(data) == reference(data))
    }

    /// Found by FuzzUsage: the fast path skips an unknown key's number only when it is
    /// RFC 8259 JSON; anything else is JSONDecoder's to judge (on Linux it takes some, `1e`).
    @Test(arguments: [".0", "01", "1.", "+1", "-", "1e", "1e+", "--1", "0x1"])
    func numbersThatAreNotJSONLeaveTheFastPath(_ number: String) {
        let body = Data(#"{"iccid":"8988216716970004975","somethingNew":\#(number)}"#.utf8)
        #expect(DeviceUsageDecoder.fastDecode(body) == nil)
        #expect(decoded(body) == reference(body))
    }

    @Test(arguments: ["0", "-0", "1.5", "-2e10", "3E-2", "10"])
    func jsonNumbersUnderUnknownKeysAreSkipped(_ number: String) {
        let body = Data(#"{"iccid":"8988216716970004975","somethingNew":\#(number)}"#.utf8)
        #expect(DeviceUsageDecoder.fastDecode(body) == reference(body))
        #expect(DeviceUsageDecoder.fastDecode(body)?.iccid == "8988216716970004975")
    }

    /// An answer for the ICCID asked for keeps the asker's string, not a copy; any other
    /// ICCID is the answer's own text (the plausibility check then refuses it).
    @Test func theRequestedICCIDIsKeptInsteadOfACopy() throws {
        let body = Data(Self.reference.utf8)
        let requested = separateCopy("8988216716970004975")
        let fast = try #require(DeviceUsageDecoder.fastDecode(body, requested: requested))
        #expect(fast == reference(body))
        #expect(stringStorage(fast.iccid) == stringStorage(requested))
        let other = try #require(DeviceUsageDecoder.fastDecode(body, requested: "8988216716970004976"))
        #expect(other.iccid == "8988216716970004975")
        #expect(stringStorage(other.iccid) != stringStorage(requested))
        #expect(try DeviceUsageDecoder.decode(body, requested: requested) == reference(body))
    }

    @Test func nonUTF8BytesInAStringAreJSONDecodersToJudge() {
        let latin1 = Data(#"{"iccid":"1","status":"M"#.utf8) + Data([0xFC]) + Data(#"ller"}"#.utf8)
        #expect(DeviceUsageDecoder.fastDecode(latin1) == nil)
        #expect(decoded(latin1) == reference(latin1))
        let overlong = Data(#"{"iccid":"1","status":""#.utf8) + Data([0xC0, 0xAF]) + Data(#""}"#.utf8)
        #expect(decoded(overlong) == reference(overlong))
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() {
        for depth in [200, 300, 600, 100_000] {
            let body = Data((#"{"iccid":"1","x":"# + String(repeating: "[", count: depth)
                + String(repeating: "]", count: depth) + "}").utf8)
            #expect(decoded(body) == reference(body), "depth \(depth)")
        }
        let unclosed = Data((#"{"iccid":"1","x":"# + String(repeating: "{\"a\":", count: 50_000)).utf8)
        #expect(decoded(unclosed) == nil)
    }

    @Test func errorsKeepJSONDecodersMessages() {
        let iccid = "8988216716970004975"
        let cases: [(String, String)] = [
            // JSONDecoder reports a fraction where a whole number belongs as JSON it cannot read.
            (#"{"iccid":"8988216716970004975","ctdDataUsage":1.5}"#, "body is not valid JSON"),
            (#"{"iccid":"8988216716970004975","ctdDataUsage":"5"}"#, "JSON field \"ctdDataUsage\" has the wrong type"),
            (#"{"imsi":"1"}"#, "JSON has no \"iccid\""),
            ("<html>", "body is not valid JSON"),
        ]
        for (body, reason) in cases {
            let result = UsageResponse.interpret(
                HTTPResponse(status: 200, body: Data(body.utf8)), iccid: iccid, apiVersion: 1, secrets: [])
            guard case .failure(.unexpectedResponse(_, _, let got)) = result else {
                Issue.record("\(body): expected an unexpected response, got \(result)")
                continue
            }
            #expect(got.hasPrefix(reason) || got.contains(reason), "\(body): \(got)")
        }
    }

    /// Random damage to a real answer: flipped, dropped, duplicated and inserted bytes, cut ends.
    @Test func randomlyDamagedAnswersAgreeWithJSONDecoder() {
        var random = SplitMix64(seed: 0x5EED_1234)
        let original = Array(Self.reference.utf8)
        let alphabet = Array(#"{}[]":,\ 0123456789-+.eE truefalsnul"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
        var fastAnswers = 0
        for _ in 0..<3_000 {
            var bytes = original
            for _ in 0..<Int(random.next() % 4 + 1) {
                guard !bytes.isEmpty else { break }
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 5 {
                case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                case 3: bytes.insert(bytes[at], at: at)
                default: bytes.removeLast(Int(random.next() % UInt64(min(bytes.count, 20))) + 1)
                }
            }
            let data = Data(bytes)
            if DeviceUsageDecoder.fastDecode(data) != nil { fastAnswers += 1 }
            #expect(decoded(data) == reference(data), "\(String(decoding: bytes, as: UTF8.self))")
        }
        // Sanity: the damage is light enough that the fast path still answers some of them.
        #expect(fastAnswers > 100)
    }
}

/// A small deterministic generator, so a failing case can be reproduced.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
