#ifndef SIMWATCH_CCURL_SHIM_H
#define SIMWATCH_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * Typed, purpose-named wrappers around libcurl's variadic setopt/getinfo calls, which Swift
 * cannot call. Each wrapper fixes the argument type libcurl expects for its option, so a
 * wrong type is a compile error instead of undefined behaviour.
 */

/* Signature shared by CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
typedef size_t (*simwatch_curl_data_callback)(char *data, size_t size, size_t count, void *context);

/* ---- easy handle: what to send ---- */

/* The URL, copied by libcurl and parsed when the transfer starts. */
static inline CURLcode simwatch_curl_set_url(CURL *easy, const char *url) {
    return curl_easy_setopt(easy, CURLOPT_URL, url);
}

/* Plain GET (also resets a previous POST/NOBODY). */
static inline CURLcode simwatch_curl_set_method_get(CURL *easy) {
    return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
}

/* HEAD: no response body is read. */
static inline CURLcode simwatch_curl_set_method_head(CURL *easy) {
    return curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
}

/* Any other method name (PUT, DELETE, PATCH, ...), sent verbatim in the request line. */
static inline CURLcode simwatch_curl_set_custom_method(CURL *easy, const char *method) {
    return curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
}

/* Request body, copied by libcurl so the caller's buffer may go away; binary-safe. */
static inline CURLcode simwatch_curl_set_body_copy(CURL *easy, const void *data, curl_off_t length) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, length);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, length > 0 ? (const char *)data : "");
}

/* Request headers; the list must outlive the transfer. */
static inline CURLcode simwatch_curl_set_headers(CURL *easy, struct curl_slist *headers) {
    return curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

/* ---- easy handle: e-mail (SMTP) ---- */

/* Envelope: MAIL FROM and the RCPT TO list (which must outlive the transfer). */
static inline CURLcode simwatch_curl_set_mail_envelope(CURL *easy, const char *from, struct curl_slist *recipients) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients);
}

/* The message, read through the callback (CURLOPT_READFUNCTION has the data callback's shape). */
static inline CURLcode simwatch_curl_set_upload(CURL *easy, curl_off_t size, simwatch_curl_data_callback read, void *context) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    if (code != CURLE_OK) return code;
    code = curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
    if (code != CURLE_OK) return code;
    code = curl_easy_setopt(easy, CURLOPT_READFUNCTION, read);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_READDATA, context);
}

/* TLS for the whole session (STARTTLS on smtp://, which then fails if the server lacks it),
 * or none (a loopback relay). */
static inline CURLcode simwatch_curl_set_require_tls(CURL *easy, int required) {
    return curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)(required ? CURLUSESSL_ALL : CURLUSESSL_NONE));
}

/* SMTP AUTH credentials, kept out of the URL. */
static inline CURLcode simwatch_curl_set_login(CURL *easy, const char *username, const char *password) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_USERNAME, username);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_PASSWORD, password);
}

/* ---- easy handle: limits and safety ---- */

static inline CURLcode simwatch_curl_set_timeouts_ms(CURL *easy, long total_ms, long connect_ms) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
}

/* Rejects a response whose announced Content-Length exceeds the cap before reading it. */
static inline CURLcode simwatch_curl_set_max_response_bytes(CURL *easy, curl_off_t bytes) {
    return curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, bytes);
}

/* No signals (we run on our own thread), no redirects, and only the given protocols,
 * for the first request and for any redirect target alike. */
static inline CURLcode simwatch_curl_set_safe_defaults(CURL *easy, const char *allowed_protocols) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (code != CURLE_OK) return code;
    code = curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    if (code != CURLE_OK) return code;
    code = curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, allowed_protocols);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, allowed_protocols);
}

/* Buffer of CURL_ERROR_SIZE bytes that libcurl fills with a readable failure reason. */
static inline CURLcode simwatch_curl_set_error_buffer(CURL *easy, char *buffer) {
    return curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, buffer);
}

/* ---- easy handle: callbacks and bookkeeping ---- */

static inline CURLcode simwatch_curl_set_write_callback(CURL *easy, simwatch_curl_data_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_WRITEDATA, context);
}

static inline CURLcode simwatch_curl_set_header_callback(CURL *easy, simwatch_curl_data_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, callback);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_HEADERDATA, context);
}

/* Pointer stored with the handle, to find the owning transfer when libcurl reports it done. */
static inline CURLcode simwatch_curl_set_context(CURL *easy, void *context) {
    return curl_easy_setopt(easy, CURLOPT_PRIVATE, context);
}

static inline void *simwatch_curl_context(CURL *easy) {
    char *context = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &context) != CURLE_OK) return NULL;
    return context;
}

/* HTTP status of the last response, 0 when none was received. */
static inline long simwatch_curl_response_status(CURL *easy) {
    long status = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) return 0;
    return status;
}

/* ---- multi handle ---- */

/* Caps simultaneous connections per host and in total (0 = unlimited); transfers beyond the
 * cap wait for a free connection instead of opening a new one. */
static inline CURLMcode simwatch_curl_multi_set_connection_limits(CURLM *multi, long per_host, long total) {
    CURLMcode code = curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_host);
    if (code != CURLM_OK) return code;
    return curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total);
}

/* How many idle connections the cache keeps for reuse. */
static inline CURLMcode simwatch_curl_multi_set_connection_cache_size(CURLM *multi, long size) {
    return curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, size);
}

/* The result of a CURLMSG_DONE message (a union member, awkward to reach from Swift). */
static inline CURLcode simwatch_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
