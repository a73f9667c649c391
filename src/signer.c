/*
 * signer.c: HMAC-SHA256, the key file, random ids.
 *
 * From the master key two keys are derived by HMAC with fixed labels, one
 * for URLs and one for cursors; the master key itself signs nothing.  A
 * retired (previous) key, when configured, still verifies what it signed,
 * so keys rotate without breaking URLs and cursors already handed out.
 * Invariant: a signer's keys never change after signer_new, so concurrent
 * readers need no lock.
 *
 * The HMACs are nettle's; libsodium gives the random bytes, the hex and
 * the constant-time compare and wipe.  Every record of a listing carries
 * a signed URL, and libsodium's SHA-256 is portable C (about 1 us per
 * URL here), where nettle picks the CPU's SHA instructions at run time
 * (about 0.2 us).  libmicrohttpd's GnuTLS loads nettle anyway, so it
 * costs start-up nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <sodium.h>

#include "imaged/durable.h"
#include "imaged/log.h"
#include "imaged/signer.h"
#include "imaged/text.h"

/*
 * Each derived key as an HMAC context with the key already absorbed:
 * copying it saves the two key blocks' compressions per message.  Never
 * updated in place; each message works on a copy.
 */
struct keys {
	struct hmac_sha256_ctx	 url;
	struct hmac_sha256_ctx	 cursor;
};

struct signer {
	struct keys	 cur;		/* signs and verifies */
	struct keys	 prev;		/* a retired key: verifies only */
	bool		 has_prev;
	uint64_t	 id;		/* random, odd: see struct memo */
};

/*
 * The URLs signed last on this thread.  A page signs a URL per record,
 * and the same page asked again within the same second (expiries count
 * seconds) signs the very same URLs, each for three SHA-256 blocks.  A
 * signature is public: keeping it keeps no secret.  Each is tagged with
 * its signer's random id, so that a signer made where a freed one was
 * never finds the other's.  Per thread, so no lock: signers stay
 * immutable.  A URL longer than a slot holds is signed every time.  The
 * slots are allocated on a thread's first signature (most of imaged's
 * threads never sign), and freed when it exits.
 */
#define MEMO_SLOTS	64
#define MEMO_TEXT_MAX	192	/* path, NUL, rendition, NUL */

struct memo {
	uint64_t	 signer_id;	/* 0: empty */
	int64_t		 expires;
	bool		 rendition;	/* text holds one after the path */
	char		 text[MEMO_TEXT_MAX];
	char		 sig[SIGNER_SIG_HEX + 1];
};

static pthread_key_t		 memo_key;
static pthread_once_t		 memo_once = PTHREAD_ONCE_INIT;
static __thread struct memo	*memo;

static void
memo_key_make(void)
{
	if (pthread_key_create(&memo_key, free) != 0)
		abort();	/* only past PTHREAD_KEYS_MAX keys */
}

/* This thread's slots; NULL if there is no memory for them. */
static struct memo *
memo_slots(void)
{
	if (memo == NULL) {
		pthread_once(&memo_once, memo_key_make);
		if ((memo = calloc(MEMO_SLOTS, sizeof(*memo))) == NULL)
			return NULL;
		/* So that free() gets them when the thread exits. */
		if (pthread_setspecific(memo_key, memo) != 0) {
			free(memo);
			memo = NULL;
		}
	}
	return memo;
}

/* The context of the key HMAC(master, label). */
static void
derive(const unsigned char master[SIGNER_KEY_LEN], const char *label,
    struct hmac_sha256_ctx *out)
{
	struct hmac_sha256_ctx	 ctx;
	uint8_t			 key[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, SIGNER_KEY_LEN, master);
	hmac_sha256_update(&ctx, strlen(label), (const uint8_t *)label);
	hmac_sha256_digest(&ctx, sizeof(key), key);
	hmac_sha256_set_key(out, sizeof(key), key);
	sodium_memzero(&ctx, sizeof(ctx));
	sodium_memzero(key, sizeof(key));
}

static void
keys_derive(struct keys *k, const unsigned char master[SIGNER_KEY_LEN])
{
	derive(master, "imaged url v1", &k->url);
	derive(master, "imaged cursor v1", &k->cursor);
}

enum img_err
signer_new(const unsigned char key[SIGNER_KEY_LEN], struct signer **sp)
{
	struct signer	*s;

	if (sodium_init() < 0)
		return IMG_EINTERNAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return IMG_ENOMEM;
	keys_derive(&s->cur, key);
	randombytes_buf(&s->id, sizeof(s->id));
	s->id |= 1;
	*sp = s;
	return IMG_OK;
}

static void
set_previous(struct signer *s, const unsigned char key[SIGNER_KEY_LEN])
{
	keys_derive(&s->prev, key);
	s->has_prev = true;
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

/*
 * Make a new key file, whole and durable.  Exclusive, so two daemons
 * starting at once agree on one key: the second fails to create it.
 */
static enum img_err
key_create(const char *path, unsigned char key[SIGNER_KEY_LEN])
{
	static const struct durable_opts	 opts = { .mode = 0600,
						    .exclusive = true };

	randombytes_buf(key, SIGNER_KEY_LEN);
	if (durable_write(path, key, SIGNER_KEY_LEN, &opts, NULL, 0) !=
	    IMG_OK) {
		log_warn("signing key %s", path);
		return IMG_EUNAVAIL;
	}
	log_info("made a new signing key in %s", path);
	return IMG_OK;
}

static enum img_err
key_load(const char *path, bool create, unsigned char key[SIGNER_KEY_LEN])
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;
	enum img_err	 ret = IMG_EUNAVAIL;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && create)
			return key_create(path, key);
		log_warn("signing key %s", path);
		return IMG_EUNAVAIL;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("signing key %s", path);
		goto done;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		log_warnx("signing key %s is accessible to others (mode %03o); "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	n = read(fd, key, SIGNER_KEY_LEN);
	if (n != SIGNER_KEY_LEN || st.st_size != SIGNER_KEY_LEN) {
		log_warnx("signing key %s: not a key (want %d bytes)", path,
		    SIGNER_KEY_LEN);
		goto done;
	}
	ret = IMG_OK;
done:
	close(fd);
	return ret;
}

enum img_err
signer_open(const char *path, const char *previous, struct signer **sp)
{
	unsigned char	 key[SIGNER_KEY_LEN];
	enum img_err	 e;

	if (sodium_init() < 0)
		return IMG_EINTERNAL;
	if ((e = key_load(path, true, key)) == IMG_OK)
		e = signer_new(key, sp);
	if (e == IMG_OK && previous != NULL) {
		if ((e = key_load(previous, false, key)) == IMG_OK)
			set_previous(*sp, key);
		else {
			signer_free(*sp);
			*sp = NULL;
		}
	}
	sodium_memzero(key, sizeof(key));
	return e;
}

/*
 * "GET\n" path "\n" expires, and for a rendition "\n" its canonical
 * name: a plain download's message is unchanged by renditions, and a
 * rendition's signature cannot serve the original or another size.
 */
static void
url_mac(const struct keys *k, const char *path, const char *rendition,
    int64_t expires, unsigned char mac[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx	 st;
	char			 exp[24];
	size_t			 i = sizeof(exp);
	uint64_t		 u;

	/* "\n" and the decimal expires, no printf: a page signs 20 */
	u = expires < 0 ? (uint64_t)0 - (uint64_t)expires : (uint64_t)expires;
	do {
		exp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (expires < 0)
		exp[--i] = '-';
	exp[--i] = '\n';
	st = k->url;
	hmac_sha256_update(&st, 4, (const uint8_t *)"GET\n");
	hmac_sha256_update(&st, strlen(path), (const uint8_t *)path);
	hmac_sha256_update(&st, sizeof(exp) - i, (const uint8_t *)exp + i);
	if (rendition != NULL) {
		hmac_sha256_update(&st, 1, (const uint8_t *)"\n");
		hmac_sha256_update(&st, strlen(rendition),
		    (const uint8_t *)rendition);
	}
	hmac_sha256_digest(&st, SHA256_DIGEST_SIZE, mac);
	sodium_memzero(&st, sizeof(st));	/* as good as the key */
}

void
signer_sign_url(const struct signer *s, const char *path, int64_t expires,
    char sig[SIGNER_SIG_HEX + 1])
{
	signer_sign_rendition_url(s, path, NULL, expires, sig);
}

/*
 * The memo slot of a URL, and whether it holds the URL's signature;
 * NULL if the URL is too long to keep.
 */
static struct memo *
memo_slot(const struct signer *s, const char *path, const char *rendition,
    int64_t expires, bool *found)
{
	struct memo	*slots, *m;
	size_t		 plen = strlen(path), rlen, n;
	uint64_t	 tail[2] = { 0, 0 }, h;

	rlen = rendition != NULL ? strlen(rendition) + 1 : 0;
	if (plen + 1 + rlen > MEMO_TEXT_MAX || (slots = memo_slots()) == NULL)
		return NULL;
	/* A path's last 16 bytes tell it apart: the image id ends there. */
	n = plen < sizeof(tail) ? plen : sizeof(tail);
	memcpy(tail, path + plen - n, n);
	h = (tail[0] * 0x9e3779b97f4a7c15u) ^ (tail[1] * 0xc2b2ae3d27d4eb4fu) ^
	    ((uint64_t)expires * 0x165667b19e3779f9u);
	m = &slots[(h ^ (h >> 32)) % MEMO_SLOTS];
	*found = m->signer_id == s->id && m->expires == expires &&
	    m->rendition == (rendition != NULL) &&
	    memcmp(m->text, path, plen + 1) == 0 &&
	    (rendition == NULL ||
	    memcmp(m->text + plen + 1, rendition, rlen) == 0);
	if (!*found) {
		/* Claimed now, filled by the caller. */
		m->signer_id = s->id;
		m->expires = expires;
		m->rendition = rendition != NULL;
		memcpy(m->text, path, plen + 1);
		if (rendition != NULL)
			memcpy(m->text + plen + 1, rendition, rlen);
	}
	return m;
}

void
signer_sign_rendition_url(const struct signer *s, const char *path,
    const char *rendition, int64_t expires, char sig[SIGNER_SIG_HEX + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[SHA256_DIGEST_SIZE];
	struct memo		*m;
	bool			 found = false;
	size_t			 i;

	m = memo_slot(s, path, rendition, expires, &found);
	if (found) {
		memcpy(sig, m->sig, SIGNER_SIG_HEX + 1);
		return;
	}
	url_mac(&s->cur, path, rendition, expires, mac);
	/* The signature is public: no need of a constant-time hex. */
	for (i = 0; i < sizeof(mac); i++) {
		sig[2 * i] = hex[mac[i] >> 4];
		sig[2 * i + 1] = hex[mac[i] & 0x0f];
	}
	sig[SIGNER_SIG_HEX] = '\0';
	if (m != NULL)
		memcpy(m->sig, sig, SIGNER_SIG_HEX + 1);
}

/* Decimal seconds, digits only, no overflow. */
static int
parse_expires(const char *s, int64_t *out)
{
	int64_t	 v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

enum img_err
signer_verify_url(const struct signer *s, const char *path,
    const char *expires, const char *sig, int64_t now)
{
	return signer_verify_rendition_url(s, path, NULL, expires, sig, now);
}

enum img_err
signer_verify_rendition_url(const struct signer *s, const char *path,
    const char *rendition, const char *expires, const char *sig, int64_t now)
{
	unsigned char	 want[SHA256_DIGEST_SIZE];
	unsigned char	 got[SHA256_DIGEST_SIZE];
	size_t		 gotlen;
	int64_t		 exp;

	if (sig == NULL || strlen(sig) != SIGNER_SIG_HEX ||
	    parse_expires(expires, &exp) == -1)
		return IMG_EFORBIDDEN;
	if (sodium_hex2bin(got, sizeof(got), sig, SIGNER_SIG_HEX, NULL,
	    &gotlen, NULL) != 0 || gotlen != sizeof(got))
		return IMG_EFORBIDDEN;
	url_mac(&s->cur, path, rendition, exp, want);
	if (sodium_memcmp(want, got, sizeof(want)) != 0) {
		if (!s->has_prev)
			return IMG_EFORBIDDEN;
		url_mac(&s->prev, path, rendition, exp, want);
		if (sodium_memcmp(want, got, sizeof(want)) != 0)
			return IMG_EFORBIDDEN;
	}
	return now > exp ? IMG_EEXPIRED : IMG_OK;
}

static void
cursor_mac(const struct keys *k, const void *data, size_t len,
    unsigned char mac[SIGNER_MAC_LEN])
{
	struct hmac_sha256_ctx	 st = k->cursor;

	hmac_sha256_update(&st, len, data);
	/* nettle truncates: the first SIGNER_MAC_LEN bytes */
	hmac_sha256_digest(&st, SIGNER_MAC_LEN, mac);
	sodium_memzero(&st, sizeof(st));
}

void
signer_mac(const struct signer *s, const void *data, size_t len,
    unsigned char mac[SIGNER_MAC_LEN])
{
	cursor_mac(&s->cur, data, len, mac);
}

enum img_err
signer_mac_verify(const struct signer *s, const void *data, size_t len,
    const unsigned char mac[SIGNER_MAC_LEN])
{
	unsigned char	 want[SIGNER_MAC_LEN];

	cursor_mac(&s->cur, data, len, want);
	if (sodium_memcmp(want, mac, SIGNER_MAC_LEN) == 0)
		return IMG_OK;
	if (!s->has_prev)
		return IMG_EFORBIDDEN;
	cursor_mac(&s->prev, data, len, want);
	return sodium_memcmp(want, mac, SIGNER_MAC_LEN) == 0 ? IMG_OK :
	    IMG_EFORBIDDEN;
}

void
random_bytes(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

void
random_uuid(char out[IMAGE_ID_SIZE])
{
	unsigned char	 b[16];

	randombytes_buf(b, sizeof(b));
	uuid_format_v4(b, out);
}
