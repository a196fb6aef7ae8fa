import CCurl
import Foundation

extension CurlTransfer {
    /// The options of an e-mail: SMTP only, the envelope, the message as an upload, TLS
    /// as `security` requires, and AUTH only with a login.
    func configureMail(_ mail: MailRequest, security: MailRequest.Security) throws(HTTPClientError) {
        let addresses = [mail.from] + mail.recipients
        // libcurl writes them into SMTP commands: a line break would be a command of its own.
        guard !mail.recipients.isEmpty, addresses.allSatisfy(Self.isBareAddress) else {
            throw .transport(code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid e-mail address in the envelope")
        }
        try check(simwatch_curl_set_safe_defaults(easy, "smtp,smtps"))
        try check(simwatch_curl_set_url(easy, mail.url))
        for recipient in mail.recipients {
            guard let list = curl_slist_append(recipientList, "<\(recipient)>") else {
                throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory building recipients")
            }
            recipientList = list
        }
        try check(simwatch_curl_set_mail_envelope(easy, "<\(mail.from)>", recipientList))
        upload = mail.message
        uploaded = 0
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(simwatch_curl_set_upload(easy, curl_off_t(mail.message.count), { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.readUpload(into: buffer, capacity: size * count)
        }, context))
        try check(simwatch_curl_set_require_tls(easy, security == .loopbackPlain ? 0 : 1))
        if let login = mail.login {
            try check(simwatch_curl_set_login(easy, login.username, login.password))
        }
        try check(simwatch_curl_set_timeouts_ms(
            easy, Self.milliseconds(mail.timeout), Self.milliseconds(mail.connectTimeout)))
    }

    /// Copies the next part of the message into libcurl's buffer; 0 ends the upload.
    private func readUpload(into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) -> Int {
        guard let buffer, uploaded < upload.count else { return 0 }
        let count = min(capacity, upload.count - uploaded)
        upload.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + uploaded, byteCount: count)
        }
        uploaded += count
        return count
    }

    /// `local@domain` in printable ASCII, without `<`, `>` or spaces.
    private static func isBareAddress(_ address: String) -> Bool {
        !address.isEmpty && address.contains("@")
            && address.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }
}
