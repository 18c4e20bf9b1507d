#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/params.h>
#include <openssl/core_names.h>

/// Creates an HMAC context bound to `digest` (e.g. "SHA256") but not yet keyed usefully.
/// Swift keeps one per algorithm as a template and EVP_MAC_CTX_dup()s it per call, which
/// skips the by-name MAC and digest fetches that EVP_Q_mac/HMAC() repeat on every call.
/// Returns NULL on failure. OSSL_PARAM arrays are awkward to build from Swift, hence C.
static inline EVP_MAC_CTX *hookrouter_hmac_template(const char *digest) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    /* Key once with a dummy key so the template is fully initialised; a context that
       was never keyed cannot be duplicated reliably across OpenSSL 3.x releases. */
    static const unsigned char dummy = 0;
    if (EVP_MAC_init(ctx, &dummy, 1, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
