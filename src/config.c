/*
 * config.c: the settings of imaged, from one table.
 *
 * settings[] below is the only place a setting is described: its key, type,
 * bounds, default text and help.  The file, the environment, the flags,
 * --help and the defaults all go through it, and the defaults are applied by
 * parsing their own text, so a default can never be a value the parser
 * would refuse.  Unit tests hold imaged(8), imaged.conf(5) and
 * etc/imaged.conf to this table.
 *
 * Invariants: config_set either applies a whole valid value or leaves the
 * config untouched; every string in struct config is NUL-terminated and
 * within its row's length bounds; lists are lower case and free of
 * duplicates.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imaged/config.h"
#include "imaged/httputil.h"
#include "imaged/rendition.h"
#include "imaged/text.h"

#ifndef IMAGED_VERSION
#define IMAGED_VERSION	"0.0.0"
#endif

#define KIB		1024ULL
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)
#define MAX_FILE_SIZE	(4 * GIB)
#define WORKERS_MAX	256
#define LINE_MAX_LEN	8192	/* longest config file line */
#define SHOW_MAX	80	/* longest value quoted back in a message */

enum setting_type {
	SET_STRING,
	SET_UINT,
	SET_SIZE,
	SET_BOOL,
	SET_ENUM,
	SET_LIST
};

/* A parsed value on its way to the config. */
union value {
	uint64_t	 n;	/* uint, size; enum: index in choices */
	bool		 b;
	const char	*s;	/* string: normalised; list: the raw text */
};

struct setting {
	const char		*key;
	enum setting_type	 type;
	const char		*arg;	/* placeholder in --help */
	uint64_t		 min, max; /* numbers; strings: length */
	const char		*def;	/* parsed like any value */
	const char		*shown;	/* default as printed, if not def */
	const char		*help;
	const char		*what;	/* "is not <what>" in messages */
	const char *const	*choices; /* enum: names; index = value */
	/* strings: check and normalise in place; false if invalid */
	bool			(*norm)(char *);
	/* uint: the value of the word "auto", if it is allowed */
	uint64_t		(*autoval)(void);
	/* where the value goes, unless store is set */
	size_t			 off, size;
	/* lists and enums: apply the value; lists may refuse it */
	bool			(*store)(struct config *, const union value *);
};

#define FIELD(m)	.off = offsetof(struct config, m), \
			.size = sizeof(((struct config *)0)->m)

static bool	norm_listen(char *);
static bool	norm_bucket(char *);
static bool	norm_stage(char *);
static bool	norm_public_url(char *);
static uint64_t	auto_workers(void);
static bool	store_extensions(struct config *, const union value *);
static bool	store_cors(struct config *, const union value *);
static bool	store_auth(struct config *, const union value *);
static bool	store_renditions(struct config *, const union value *);
static bool	store_log_format(struct config *, const union value *);
static bool	store_hosts(struct config *, const union value *);
static bool	store_console(struct config *, const union value *);
static bool	store_file_mode(struct config *, const union value *);
static bool	store_clock(struct config *, const union value *);
static bool	store_id_seed(struct config *, const union value *);

static const char *const auth_choices[] = { "none", "token", NULL };
static const char *const console_choices[] = { "auto", "on", "off", NULL };
static const char *const log_format_choices[] = { "text", "json", NULL };

/* Never writable by others; folders get x wherever files get r. */
static const char *const file_mode_choices[] = { "0600", "0640", "0644",
    NULL };
static const unsigned file_modes[] = { 0600, 0640, 0644 };

static const struct setting settings[] = {
	{ .key = "listen", .type = SET_STRING, .arg = "ADDR",
	  .min = 1, .max = 63, .def = "127.0.0.1",
	  .help = "address to bind",
	  .what = "an IPv4 or IPv6 address",
	  .norm = norm_listen, FIELD(listen) },
	{ .key = "port", .type = SET_UINT, .arg = "PORT",
	  .min = 0, .max = 65535, .def = "8080",
	  .help = "TCP port; 0 takes a free port",
	  .what = "a valid port", FIELD(port) },
	{ .key = "data_dir", .type = SET_STRING, .arg = "DIR",
	  .min = 1, .max = PATH_MAX - 1, .def = "./imaged-data",
	  .help = "where the database, bucket and key live",
	  .what = "a directory name (not empty, shorter than PATH_MAX)",
	  FIELD(data_dir) },
	{ .key = "file_mode", .type = SET_ENUM, .arg = "0600|0640|0644",
	  .def = "0600",
	  .help = "mode of the images and database imaged creates "
	  "(folders: 0700|0750|0755)",
	  .choices = file_mode_choices, .store = store_file_mode },
	{ .key = "bucket", .type = SET_STRING, .arg = "NAME",
	  .min = 1, .max = 63, .def = "image-storage-bucket",
	  .help = "name of the bucket folder under data_dir",
	  .what = "a bucket name (1-63 of a-z 0-9 . -, not . or ..)",
	  .norm = norm_bucket, FIELD(bucket) },
	{ .key = "stage", .type = SET_STRING, .arg = "NAME",
	  .min = 1, .max = 63, .def = "dev",
	  .help = "stage of the URL prefixes",
	  .what = "a stage name (1-63 of A-Z a-z 0-9 _ -)",
	  .norm = norm_stage, FIELD(stage) },
	{ .key = "max_file_size", .type = SET_SIZE, .arg = "SIZE",
	  .min = 1, .max = MAX_FILE_SIZE, .def = "10M",
	  .help = "largest image accepted",
	  .what = "a valid size", FIELD(max_file_size) },
	{ .key = "allowed_extensions", .type = SET_LIST, .arg = "LIST",
	  .def = "jpg,jpeg,png,gif,webp",
	  .help = "file name extensions accepted",
	  .what = "a list of extensions (1-15 of a-z 0-9 each, at most 16)",
	  .store = store_extensions },
	{ .key = "check_magic", .type = SET_BOOL, .arg = "on|off",
	  .def = "on",
	  .help = "check image bytes against the extension",
	  FIELD(check_magic) },
	{ .key = "url_lifetime", .type = SET_UINT, .arg = "SECONDS",
	  .min = 1, .max = URL_LIFETIME_MAX, .def = "3600",
	  .help = "lifetime of signed URLs",
	  .what = "a lifetime in seconds", FIELD(url_lifetime) },
	{ .key = "public_url", .type = SET_STRING, .arg = "URL",
	  .min = 0, .max = 511, .def = "",
	  .shown = "none: the request's Host",
	  .help = "base of download URLs",
	  .what = "an http:// or https:// URL (shorter than 512)",
	  .norm = norm_public_url, FIELD(public_url) },
	{ .key = "cors_origins", .type = SET_LIST, .arg = "LIST",
	  .def = "*",
	  .help = "origins allowed by CORS: * or a list",
	  .what = "* or a list of http:// or https:// origins (at most 16)",
	  .store = store_cors },
	{ .key = "allowed_hosts", .type = SET_LIST, .arg = "LIST",
	  .def = "", .shown = "none",
	  .help = "Host names answered besides the loopback's and "
	  "public_url's, when listening on a loopback address",
	  .what = "a list of host names (at most 16, no ports)",
	  .store = store_hosts },
	{ .key = "workers", .type = SET_UINT, .arg = "N|auto",
	  .min = 1, .max = WORKERS_MAX, .def = "auto",
	  .shown = "auto: the number of CPUs",
	  .help = "request threads",
	  .what = "a worker count", .autoval = auto_workers,
	  FIELD(workers) },
	{ .key = "auth", .type = SET_ENUM, .arg = "none|token",
	  .def = "none",
	  .help = "none, or token: requests must carry a token",
	  .choices = auth_choices, .store = store_auth },
	{ .key = "console", .type = SET_ENUM, .arg = "on|off",
	  .def = "auto", .shown = "on if listen is a loopback address",
	  .help = "the web console at /",
	  .choices = console_choices, .store = store_console },
	{ .key = "max_connections", .type = SET_UINT, .arg = "N",
	  .min = 1, .max = 65536, .def = "1024",
	  .help = "open connections in all",
	  .what = "a connection count", FIELD(max_connections) },
	{ .key = "max_connections_per_client", .type = SET_UINT, .arg = "N",
	  .min = 1, .max = 65536, .def = "256",
	  .help = "open connections from one address",
	  .what = "a connection count", FIELD(max_connections_per_client) },
	{ .key = "signing_key_file", .type = SET_STRING, .arg = "FILE",
	  .min = 0, .max = PATH_MAX - 1, .def = "",
	  .shown = "<data_dir>/signing.key",
	  .help = "key that signs download URLs",
	  .what = "a file name (shorter than PATH_MAX)",
	  FIELD(signing_key_file) },
	{ .key = "previous_signing_key_file", .type = SET_STRING, .arg = "FILE",
	  .min = 0, .max = PATH_MAX - 1, .def = "", .shown = "none",
	  .help = "a retired key whose URLs and cursors still verify",
	  .what = "a file name (shorter than PATH_MAX)",
	  FIELD(previous_signing_key_file) },
	{ .key = "header_timeout", .type = SET_UINT, .arg = "SECONDS",
	  .min = 1, .max = 3600, .def = "30",
	  .help = "time a client has to send a request's line and headers",
	  .what = "a number of seconds (1-3600)", FIELD(header_timeout) },
	{ .key = "body_timeout", .type = SET_UINT, .arg = "SECONDS",
	  .min = 1, .max = 3600, .def = "30",
	  .help = "time a body has, beyond what body_min_rate allows it",
	  .what = "a number of seconds (1-3600)", FIELD(body_timeout) },
	{ .key = "body_min_rate", .type = SET_SIZE, .arg = "SIZE",
	  .min = 0, .max = GIB, .def = "1K",
	  .help = "bytes per second a body must average; 0: body_timeout "
	  "is a total deadline",
	  .what = "a size (0 to 1G)", FIELD(body_min_rate) },
	{ .key = "idle_timeout", .type = SET_UINT, .arg = "SECONDS",
	  .min = 1, .max = 3600, .def = "30",
	  .help = "a connection silent this long is closed",
	  .what = "a number of seconds (1-3600)", FIELD(idle_timeout) },
	{ .key = "max_header_bytes", .type = SET_SIZE, .arg = "SIZE",
	  .min = 4096, .max = 1048576, .def = "32K",
	  .help = "request line and headers (414 or 431 past it)",
	  .what = "a size from 4K to 1M", FIELD(max_header_bytes) },
	{ .key = "renditions", .type = SET_LIST, .arg = "LIST",
	  .def = "", .shown = "none",
	  .help = "rendition presets: name:WxH[:fit][:format][:qN],...",
	  .what = "a list of presets name:spec (see imaged(8))",
	  .store = store_renditions },
	{ .key = "rendition_max_pixels", .type = SET_UINT, .arg = "N",
	  .min = 1, .max = 1000000000, .def = "50000000",
	  .help = "largest source (width x height) a rendition is made of",
	  .what = "a number of pixels", FIELD(rendition_max_pixels) },
	{ .key = "rendition_cache_size", .type = SET_SIZE, .arg = "SIZE",
	  .min = 0, .max = 1024 * GIB, .def = "1G",
	  .help = "disk kept for renditions; least recently used go first",
	  .what = "a size", FIELD(rendition_cache_size) },
	{ .key = "render_workers", .type = SET_UINT, .arg = "N|auto",
	  .min = 1, .max = WORKERS_MAX, .def = "auto",
	  .shown = "auto: the number of CPUs",
	  .help = "threads that make renditions",
	  .what = "a worker count", .autoval = auto_workers,
	  FIELD(render_workers) },
	{ .key = "log_format", .type = SET_ENUM, .arg = "text|json",
	  .def = "text",
	  .help = "log lines as text, or as JSON objects",
	  .choices = log_format_choices, .store = store_log_format },
	{ .key = "metrics", .type = SET_BOOL, .arg = "on|off",
	  .def = "on",
	  .help = "count requests and serve GET /metrics",
	  FIELD(metrics) },
	{ .key = "test_mode", .type = SET_BOOL, .arg = "on|off",
	  .def = "off",
	  .help = "serve the /_imaged/ control routes (loopback or token "
	  "auth only)",
	  FIELD(test_mode) },
	{ .key = "clock", .type = SET_STRING, .arg = "TIME",
	  .min = 0, .max = 39, .def = "", .shown = "none: the system's",
	  .help = "start at this fixed time (RFC 3339), which stands still",
	  .what = "an RFC 3339 time with an offset, or a date",
	  .store = store_clock, FIELD(clock) },
	{ .key = "id_seed", .type = SET_STRING, .arg = "N",
	  .min = 0, .max = 20, .def = "", .shown = "none: random ids",
	  .help = "image ids are a fixed sequence of this seed",
	  .what = "a number (0-18446744073709551615)",
	  .store = store_id_seed, FIELD(id_seed) },
	{ .key = "cloud_strict", .type = SET_BOOL, .arg = "on|off",
	  .def = "off",
	  .help = "behave as the deployed cloud original where it differs",
	  FIELD(cloud_strict) },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

/* The flags that are not settings. */
enum flag_id {
	FLAG_CONFIG,
	FLAG_URL_FILE,
	FLAG_EPHEMERAL,
	FLAG_VERBOSE,
	FLAG_HELP,
	FLAG_VERSION
};

static const struct flag {
	const char	*name;
	enum flag_id	 id;
	const char	*arg;		/* NULL: takes no value */
	const char	*help;		/* NULL: an alias, not listed */
} flags[] = {
	{ "-c", FLAG_CONFIG, "FILE", "read settings from FILE" },
	{ "--config", FLAG_CONFIG, "FILE", NULL },
	{ "--url-file", FLAG_URL_FILE, "FILE",
	  "write the base URL to FILE once listening" },
	{ "--ephemeral", FLAG_EPHEMERAL, NULL,
	  "use a temporary data_dir, removed at exit" },
	{ "-v", FLAG_VERBOSE, NULL, "log debug lines too" },
	{ "--help", FLAG_HELP, NULL, "print this help and exit" },
	{ "--version", FLAG_VERSION, NULL, "print the version and exit" },
};

#define NFLAGS		(sizeof(flags) / sizeof(flags[0]))

static void	say(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
say(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list	 ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/*
 * Copy s for quoting in a one-line message: control characters become '?'
 * so that the message stays one line, and long values are cut.
 */
static void
shown_value(char *dst, size_t len, const char *s)
{
	size_t	 i, n;

	assert(len > 4);
	n = strlen(s);
	if (n >= len)
		n = len - 4;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
		    '?' : s[i];
	if (s[n] != '\0') {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

static void
bad_value(char *msg, size_t msglen, const char *source, const char *value,
    const char *what)
{
	char	 v[SHOW_MAX + 1];

	shown_value(v, sizeof(v), value);
	say(msg, msglen, "%s: \"%s\" is not %s", source, v, what);
}

/* "4G", "10M", "1K" where exact, else bytes. */
static void
format_size(char *dst, size_t len, uint64_t n)
{
	if (n != 0 && n % GIB == 0)
		snprintf(dst, len, "%lluG", (unsigned long long)(n / GIB));
	else if (n != 0 && n % MIB == 0)
		snprintf(dst, len, "%lluM", (unsigned long long)(n / MIB));
	else if (n != 0 && n % KIB == 0)
		snprintf(dst, len, "%lluK", (unsigned long long)(n / KIB));
	else
		snprintf(dst, len, "%llu", (unsigned long long)n);
}

/* Digits only: no sign, no space, no base prefix; false on overflow. */
static bool
parse_digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t	 n = 0;
	size_t		 i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned	 d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return true;
}

/* Bytes with an optional K, M or G (binary, either case) suffix. */
static bool
parse_size(const char *s, uint64_t *out)
{
	size_t		 len = strlen(s);
	uint64_t	 n, mul = 1;

	if (len > 0) {
		switch (s[len - 1]) {
		case 'k': case 'K':
			mul = KIB;
			break;
		case 'm': case 'M':
			mul = MIB;
			break;
		case 'g': case 'G':
			mul = GIB;
			break;
		default:
			break;
		}
	}
	if (mul != 1)
		len--;
	if (!parse_digits(s, len, &n) || n > UINT64_MAX / mul)
		return false;
	*out = n * mul;
	return true;
}

static bool
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool
norm_listen(char *s)
{
	unsigned char	 addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, addr) == 1 ||
	    inet_pton(AF_INET6, s, addr) == 1;
}

/* Like an S3 bucket name; it becomes a folder name, so never "." or "..". */
static bool
norm_bucket(char *s)
{
	const char	*p;

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-'))
			return false;
	return true;
}

static bool
norm_stage(char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!(isascii((unsigned char)*p) &&
		    (isalnum((unsigned char)*p) || *p == '_' || *p == '-')))
			return false;
	return true;
}

/*
 * The base of every download URL: a scheme and a host, perhaps a port and
 * a path.  The trailing '/' is dropped so that paths append with one '/'.
 */
static bool
norm_public_url(char *s)
{
	const char	*host, *p;
	size_t		 len;

	if (*s == '\0')
		return true;
	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return false;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '?' || *p == '#' || *p == '"' || *p == '\\')
			return false;
	len = strlen(s);
	while (len > (size_t)(host - s) && s[len - 1] == '/')
		s[--len] = '\0';
	return *host != '\0' && *host != '/';
}

static uint64_t
auto_workers(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (uint64_t)n;
}

/*
 * Split a comma-separated list into trimmed items; calls item() on each,
 * which returns false to refuse the whole list.  Empty items are refused.
 */
static bool
split_list(const char *s, bool (*item)(const char *, size_t, void *),
    void *arg)
{
	const char	*p = s, *end;
	size_t		 len;

	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || !item(p, len, arg))
			return false;
		if (end == NULL)
			return true;
		p = end + 1;
	}
}

struct extlist {
	char	 ext[CONFIG_MAX_EXTENSIONS][CONFIG_EXT_LEN];
	size_t	 n;
};

static bool
add_extension(const char *p, size_t len, void *arg)
{
	struct extlist	*l = arg;
	char		 e[CONFIG_EXT_LEN];
	size_t		 i;

	if (*p == '.') {
		p++;
		len--;
	}
	if (len == 0 || len >= CONFIG_EXT_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (!isascii((unsigned char)p[i]) ||
		    !isalnum((unsigned char)p[i]))
			return false;
		e[i] = (char)tolower((unsigned char)p[i]);
	}
	e[len] = '\0';
	for (i = 0; i < l->n; i++)
		if (strcmp(l->ext[i], e) == 0)
			return true;
	if (l->n == CONFIG_MAX_EXTENSIONS)
		return false;
	memcpy(l->ext[l->n++], e, len + 1);
	return true;
}

static bool
store_extensions(struct config *c, const union value *v)
{
	struct extlist	 l;

	/* Zeroed, so that unused slots never hold stale bytes. */
	memset(&l, 0, sizeof(l));
	if (!split_list(v->s, add_extension, &l))
		return false;
	memcpy(c->extensions, l.ext, sizeof(l.ext));
	c->nextensions = l.n;
	return true;
}

struct originlist {
	char	 o[CONFIG_MAX_ORIGINS][CONFIG_ORIGIN_LEN];
	size_t	 n;
};

/*
 * An origin as a browser sends it: scheme://host[:port], no path.  Stored
 * lower case (scheme and host are case-insensitive), without a trailing '/'.
 */
static bool
add_origin(const char *p, size_t len, void *arg)
{
	struct originlist	*l = arg;
	char			 o[CONFIG_ORIGIN_LEN];
	size_t			 i, host;

	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len >= CONFIG_ORIGIN_LEN)
		return false;
	if (len > 7 && strncasecmp(p, "http://", 7) == 0)
		host = 7;
	else if (len > 8 && strncasecmp(p, "https://", 8) == 0)
		host = 8;
	else
		return false;
	for (i = 0; i < len; i++) {
		unsigned char	 ch = (unsigned char)p[i];

		if (i >= host && !(isascii(ch) && (isalnum(ch) ||
		    ch == '.' || ch == '-' || ch == ':' || ch == '[' ||
		    ch == ']')))
			return false;
		o[i] = (char)tolower(ch);
	}
	o[len] = '\0';
	for (i = 0; i < l->n; i++)
		if (strcmp(l->o[i], o) == 0)
			return true;
	if (l->n == CONFIG_MAX_ORIGINS)
		return false;
	memcpy(l->o[l->n++], o, len + 1);
	return true;
}

static bool
store_cors(struct config *c, const union value *v)
{
	struct originlist	 l;

	if (strcmp(v->s, "*") == 0) {
		c->cors_any = true;
		memset(c->cors_origins, 0, sizeof(c->cors_origins));
		c->ncors_origins = 0;
		return true;
	}
	memset(&l, 0, sizeof(l));
	if (!split_list(v->s, add_origin, &l))
		return false;
	c->cors_any = false;
	memcpy(c->cors_origins, l.o, sizeof(l.o));
	c->ncors_origins = l.n;
	return true;
}

struct hostlist {
	char	 h[CONFIG_MAX_HOSTS][CONFIG_HOST_LEN];
	size_t	 n;
};

/* A host name as a Host header carries it, without a port; lower case. */
static bool
add_host(const char *p, size_t len, void *arg)
{
	struct hostlist	*l = arg;
	char		 text[CONFIG_HOST_LEN], name[CONFIG_HOST_LEN];
	size_t		 i;

	if (len >= sizeof(text))
		return false;
	memcpy(text, p, len);
	text[len] = '\0';
	if (strchr(text, ':') != NULL && text[0] != '[')
		return false;	/* a port, or an IPv6 address without [] */
	if (!http_host_name(text, name, sizeof(name)) ||
	    (text[0] == '[' && text[len - 1] != ']'))
		return false;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->h[i], name) == 0)
			return true;
	if (l->n == CONFIG_MAX_HOSTS)
		return false;
	memcpy(l->h[l->n++], name, strlen(name) + 1);
	return true;
}

static bool
store_hosts(struct config *c, const union value *v)
{
	struct hostlist	 l;

	memset(&l, 0, sizeof(l));
	if (*v->s != '\0' && !split_list(v->s, add_host, &l))
		return false;
	memcpy(c->allowed_hosts, l.h, sizeof(l.h));
	c->nallowed_hosts = l.n;
	return true;
}

static bool
store_auth(struct config *c, const union value *v)
{
	c->auth = v->n == 0 ? AUTH_NONE : AUTH_TOKEN;
	return true;
}

/*
 * AVIF is a format only where this libvips writes it; asking libvips
 * starts it, so only a list that names avif asks.
 */
static bool
store_renditions(struct config *c, const union value *v)
{
	struct rend_presets	 l;
	char			 why[256];
	bool			 avif = strstr(v->s, "avif") != NULL &&
	    rendition_avif_ok();

	if (!rend_presets_parse(v->s, strlen(v->s), &l, avif, why, sizeof(why)))
		return false;
	c->renditions = l;
	return true;
}

/* "" is the system's clock; else a fixed start, as created_after takes it. */
static bool
store_clock(struct config *c, const union value *v)
{
	int64_t	 usec = 0;

	if (v->s[0] != '\0' && !time_parse_bound(v->s, false, &usec))
		return false;
	snprintf(c->clock, sizeof(c->clock), "%s", v->s);
	c->clock_fixed = v->s[0] != '\0';
	c->clock_usec = usec;
	return true;
}

/* "" is random ids; else the seed of a fixed sequence. */
static bool
store_id_seed(struct config *c, const union value *v)
{
	uint64_t	 n = 0;

	if (v->s[0] != '\0' && !parse_digits(v->s, strlen(v->s), &n))
		return false;
	snprintf(c->id_seed, sizeof(c->id_seed), "%s", v->s);
	c->id_seed_set = v->s[0] != '\0';
	c->id_seed_value = n;
	return true;
}

static bool
store_log_format(struct config *c, const union value *v)
{
	c->log_json = v->n == 1;
	return true;
}

static bool
store_file_mode(struct config *c, const union value *v)
{
	c->file_mode = file_modes[v->n];
	return true;
}

static bool
store_console(struct config *c, const union value *v)
{
	static const enum console_mode	 modes[] = { CONSOLE_AUTO, CONSOLE_ON,
	    CONSOLE_OFF };

	assert(v->n < sizeof(modes) / sizeof(modes[0]));
	c->console = modes[v->n];
	return true;
}

static const struct setting *
find_setting(const char *key)
{
	size_t	 i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

/* "none or token", "a, b or c" */
static void
describe_choices(char *dst, size_t len, const char *const *choices)
{
	size_t	 i, n = 0;

	dst[0] = '\0';
	for (i = 0; choices[i] != NULL; i++) {
		const char	*sep = i == 0 ? "" :
		    choices[i + 1] == NULL ? " or " : ", ";
		int		 w;

		w = snprintf(dst + n, len - n, "%s%s", sep, choices[i]);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

/* Store v in the field of row r. */
static void
store_field(struct config *c, const struct setting *r, const union value *v)
{
	char		*field = (char *)c + r->off;
	unsigned	 u;

	switch (r->type) {
	case SET_STRING:
		assert(strlen(v->s) < r->size);
		memcpy(field, v->s, strlen(v->s) + 1);
		break;
	case SET_UINT:
		assert(r->size == sizeof(u) && v->n <= UINT_MAX);
		u = (unsigned)v->n;
		memcpy(field, &u, sizeof(u));
		break;
	case SET_SIZE:
		assert(r->size == sizeof(v->n));
		memcpy(field, &v->n, sizeof(v->n));
		break;
	case SET_BOOL:
		assert(r->size == sizeof(v->b));
		memcpy(field, &v->b, sizeof(v->b));
		break;
	case SET_ENUM:
	case SET_LIST:
		/* These always have a store function. */
		assert(0);
		break;
	}
}

void
config_defaults(struct config *c)
{
	size_t	 i;
	bool	 ok;
	char	 msg[256];

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NSETTINGS; i++) {
		ok = config_set(c, settings[i].key, settings[i].def,
		    "default", msg, sizeof(msg));
		assert(ok);
		(void)ok;
	}
}

bool
config_set(struct config *c, const char *key, const char *value,
    const char *source, char *msg, size_t msglen)
{
	const struct setting	*r;
	union value		 v;
	char			 tmp[PATH_MAX], what[160], lo[32], hi[32];
	size_t			 len, i;
	bool			 ok = false;

	if ((r = find_setting(key)) == NULL) {
		shown_value(tmp, SHOW_MAX + 1, key);
		say(msg, msglen, "%s: unknown setting \"%s\"", source, tmp);
		goto done;
	}
	switch (r->type) {
	case SET_STRING:
		len = strlen(value);
		if (len >= sizeof(tmp))
			goto bad;
		memcpy(tmp, value, len + 1);
		if (r->norm != NULL && !r->norm(tmp))
			goto bad;
		len = strlen(tmp);
		if (len < r->min || len > r->max || len >= r->size)
			goto bad;
		v.s = tmp;
		break;
	case SET_UINT:
		if (r->autoval != NULL && strcasecmp(value, "auto") == 0)
			v.n = r->autoval();
		else if (!parse_digits(value, strlen(value), &v.n) ||
		    v.n < r->min || v.n > r->max) {
			snprintf(what, sizeof(what), "%s (%llu-%llu%s)",
			    r->what, (unsigned long long)r->min,
			    (unsigned long long)r->max,
			    r->autoval != NULL ? ", or auto" : "");
			bad_value(msg, msglen, source, value, what);
			goto done;
		}
		break;
	case SET_SIZE:
		if (!parse_size(value, &v.n)) {
			bad_value(msg, msglen, source, value,
			    "a size (bytes, or with K, M or G)");
			goto done;
		}
		if (v.n < r->min || v.n > r->max) {
			format_size(lo, sizeof(lo), r->min);
			format_size(hi, sizeof(hi), r->max);
			snprintf(what, sizeof(what), "%s (%s to %s)", r->what,
			    lo, hi);
			bad_value(msg, msglen, source, value, what);
			goto done;
		}
		break;
	case SET_BOOL:
		if (!parse_bool(value, &v.b)) {
			bad_value(msg, msglen, source, value,
			    "on or off (or true, false, yes, no, 1, 0)");
			goto done;
		}
		break;
	case SET_ENUM:
		for (i = 0; r->choices[i] != NULL; i++)
			if (strcasecmp(value, r->choices[i]) == 0)
				break;
		if (r->choices[i] == NULL) {
			describe_choices(what, sizeof(what), r->choices);
			bad_value(msg, msglen, source, value, what);
			goto done;
		}
		v.n = i;
		break;
	case SET_LIST:
		v.s = value;
		break;
	}
	if (r->store != NULL) {
		if (!r->store(c, &v))
			goto bad;
	} else
		store_field(c, r, &v);
	ok = true;
	goto done;
bad:
	bad_value(msg, msglen, source, value,
	    r->what != NULL ? r->what : "valid");
done:
	return ok;
}

/*
 * Read `key = value` lines.  A '#' starts a comment at the start of a line
 * or after white space, so that URLs with a fragment-like '#' survive; a
 * value in double quotes is taken as is (no escapes; it cannot hold '"').
 */
static bool
load_file(struct config *c, const char *path, char *msg, size_t msglen)
{
	FILE		*fp = NULL;
	char		*line = NULL, *p, *key, *val, *end;
	char		 source[PATH_MAX + 32], shown[SHOW_MAX + 1];
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	bool		 ok = false;

	shown_value(shown, sizeof(shown), path);
	if ((fp = fopen(path, "r")) == NULL) {
		say(msg, msglen, "-c: cannot open \"%s\": %s", shown,
		    strerror(errno));
		goto done;
	}
	for (;;) {
		errno = 0;
		if ((n = getline(&line, &cap, fp)) == -1)
			break;
		lineno++;
		snprintf(source, sizeof(source), "%s:%lu", shown, lineno);
		if ((size_t)n > LINE_MAX_LEN) {
			say(msg, msglen, "%s: line too long", source);
			goto done;
		}
		if (strlen(line) != (size_t)n) {
			say(msg, msglen, "%s: NUL byte in line", source);
			goto done;
		}
		p = line;
		/* A UTF-8 byte order mark, as some editors write. */
		if (lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		key = p;
		if ((p = strchr(key, '=')) == NULL) {
			say(msg, msglen, "%s: expected \"key = value\"",
			    source);
			goto done;
		}
		val = p + 1;
		while (p > key && isspace((unsigned char)p[-1]))
			p--;
		*p = '\0';
		while (isspace((unsigned char)*val))
			val++;
		if (*val == '"') {
			if ((end = strchr(++val, '"')) == NULL) {
				say(msg, msglen, "%s: no closing '\"'",
				    source);
				goto done;
			}
			*end++ = '\0';
			while (isspace((unsigned char)*end))
				end++;
			if (*end != '\0' && *end != '#') {
				say(msg, msglen,
				    "%s: text after the closing '\"'", source);
				goto done;
			}
		} else {
			for (end = val; *end != '\0'; end++)
				if (*end == '#' && end > val &&
				    isspace((unsigned char)end[-1]))
					break;
			*end = '\0';
			while (end > val && isspace((unsigned char)end[-1]))
				*--end = '\0';
		}
		if (!config_set(c, key, val, source, msg, msglen))
			goto done;
	}
	if (ferror(fp)) {
		say(msg, msglen, "-c: cannot read \"%s\": %s", shown,
		    strerror(errno != 0 ? errno : EIO));
		goto done;
	}
	ok = true;
done:
	free(line);
	if (fp != NULL)
		fclose(fp);
	return ok;
}

/*
 * IMAGED_<KEY> for every setting key.  Other IMAGED_ variables are left
 * alone: test harnesses and wrappers set their own (IMAGED_RESULT).
 */
static bool
load_env(struct config *c, char *const envp[], char *msg, size_t msglen)
{
	char		 name[64];
	const char	*eq;
	size_t		 i, k, len;

	if (envp == NULL)
		return true;
	for (i = 0; envp[i] != NULL; i++) {
		if (strncmp(envp[i], "IMAGED_", 7) != 0 ||
		    (eq = strchr(envp[i], '=')) == NULL)
			continue;
		len = (size_t)(eq - envp[i]);
		if (len >= sizeof(name))
			continue;
		memcpy(name, envp[i], len);
		name[len] = '\0';
		for (k = 0; k < NSETTINGS; k++) {
			const char	*key = settings[k].key;
			size_t		 j;

			if (strlen(key) != len - 7)
				continue;
			for (j = 0; key[j] != '\0'; j++)
				if (toupper((unsigned char)key[j]) !=
				    name[7 + j])
					break;
			if (key[j] != '\0')
				continue;
			if (!config_set(c, key, eq + 1, name, msg, msglen))
				return false;
			break;
		}
	}
	return true;
}

/* Whether flag (without "--", up to len) is the flag form of key. */
static bool
is_flag_of(const char *flag, size_t len, const char *key)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (key[i] == '\0' || flag[i] != (key[i] == '_' ? '-' : key[i]))
			return false;
	return key[len] == '\0';
}

static bool
copy_path(char *dst, size_t size, const char *flag, const char *value,
    char *msg, size_t msglen)
{
	size_t	 len = strlen(value);

	if (len == 0 || len >= size) {
		bad_value(msg, msglen, flag, value,
		    "a file name (not empty, shorter than PATH_MAX)");
		return false;
	}
	memcpy(dst, value, len + 1);
	return true;
}

/*
 * Walk the flags of argv.  The first walk (apply false) only reads -c,
 * --help and --version and checks the shape of every flag, so that the
 * file can be read before the environment and the flags override it; the
 * second walk applies everything else.
 */
static enum config_status
walk_flags(struct config *c, int argc, char *const argv[], bool apply,
    int *first_operand, FILE *out, char *msg, size_t msglen)
{
	const struct setting	*r;
	const struct flag	*f;
	const char		*arg, *eq, *value;
	char			 name[SHOW_MAX + 1];
	size_t			 nlen, k;
	int			 i;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		eq = strchr(arg, '=');
		nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		shown_value(name, sizeof(name), arg);
		if (nlen < sizeof(name))
			name[nlen] = '\0';
		r = NULL;
		f = NULL;
		for (k = 0; k < NFLAGS; k++)
			if (strlen(flags[k].name) == nlen &&
			    strncmp(flags[k].name, arg, nlen) == 0)
				f = &flags[k];
		if (f == NULL && nlen > 2 && arg[1] == '-')
			for (k = 0; k < NSETTINGS && r == NULL; k++)
				if (is_flag_of(arg + 2, nlen - 2,
				    settings[k].key))
					r = &settings[k];
		if (f == NULL && r == NULL) {
			say(msg, msglen, "unknown option \"%s\"", name);
			return CONFIG_ERROR;
		}
		value = NULL;
		if (f != NULL && f->arg == NULL) {
			if (eq != NULL) {
				say(msg, msglen, "%s takes no value", name);
				return CONFIG_ERROR;
			}
		} else if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			say(msg, msglen, "%s needs a value", name);
			return CONFIG_ERROR;
		}
		if (r != NULL) {
			if (apply && !config_set(c, r->key, value, name, msg,
			    msglen))
				return CONFIG_ERROR;
			continue;
		}
		switch (f->id) {
		case FLAG_CONFIG:
			if (!apply && !copy_path(c->config_file,
			    sizeof(c->config_file), name, value, msg, msglen))
				return CONFIG_ERROR;
			break;
		case FLAG_URL_FILE:
			if (apply && !copy_path(c->url_file,
			    sizeof(c->url_file), name, value, msg, msglen))
				return CONFIG_ERROR;
			break;
		case FLAG_EPHEMERAL:
			if (apply)
				c->ephemeral = true;
			break;
		case FLAG_VERBOSE:
			if (apply)
				c->verbose = true;
			break;
		case FLAG_HELP:
			return CONFIG_HELP;
		case FLAG_VERSION:
			fprintf(out, "imaged %s\n", IMAGED_VERSION);
			return CONFIG_EXIT;
		}
	}
	if (first_operand != NULL)
		*first_operand = i < argc ? i : argc;
	return CONFIG_OK;
}

enum config_status
config_load(struct config *c, int argc, char *const argv[],
    char *const envp[], int *first_operand, FILE *out, char *msg,
    size_t msglen)
{
	enum config_status	 st;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (first_operand != NULL)
		*first_operand = argc > 0 ? argc : 0;
	config_defaults(c);
	if ((st = walk_flags(c, argc, argv, false, NULL, out, msg,
	    msglen)) != CONFIG_OK)
		return st;
	if (c->config_file[0] != '\0' &&
	    !load_file(c, c->config_file, msg, msglen))
		return CONFIG_ERROR;
	if (!load_env(c, envp, msg, msglen))
		return CONFIG_ERROR;
	return walk_flags(c, argc, argv, true, first_operand, out, msg,
	    msglen);
}

void
config_usage(FILE *out)
{
	const char	*def;
	char		 col[80];
	size_t		 i, j, w, width = 0;

	/* The first column is as wide as the widest "--flag ARG". */
	for (i = 0; i < NFLAGS; i++)
		if (flags[i].help != NULL) {
			w = strlen(flags[i].name) + (flags[i].arg != NULL ?
			    strlen(flags[i].arg) + 1 : 0);
			width = w > width ? w : width;
		}
	for (i = 0; i < NSETTINGS; i++) {
		w = 2 + strlen(settings[i].key) + 1 + strlen(settings[i].arg);
		width = w > width ? w : width;
	}
	fprintf(out, "options:\n");
	for (i = 0; i < NFLAGS; i++) {
		if (flags[i].help == NULL)
			continue;
		snprintf(col, sizeof(col), "%s%s%s", flags[i].name,
		    flags[i].arg != NULL ? " " : "",
		    flags[i].arg != NULL ? flags[i].arg : "");
		fprintf(out, "  %-*s   %s\n", (int)width, col, flags[i].help);
	}
	fprintf(out, "\nsettings (also \"key = value\" in the -c file, or "
	    "IMAGED_KEY):\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting	*r = &settings[i];

		snprintf(col, sizeof(col), "--%s %s", r->key, r->arg);
		for (j = 2; col[j] != ' '; j++)
			if (col[j] == '_')
				col[j] = '-';
		def = r->shown != NULL ? r->shown : r->def;
		/*
		 * The default goes under the help where a line would
		 * pass 80.
		 */
		if (2 + width + 3 + strlen(r->help) + 11 + strlen(def) <= 80)
			fprintf(out, "  %-*s   %s (default %s)\n", (int)width,
			    col, r->help, def);
		else
			fprintf(out, "  %-*s   %s\n  %-*s   (default %s)\n",
			    (int)width, col, r->help, (int)width, "", def);
	}
}

size_t
config_nsettings(void)
{
	return NSETTINGS;
}

const char *
config_key(size_t i)
{
	return i < NSETTINGS ? settings[i].key : NULL;
}

const char *
config_kind(size_t i)
{
	static const char *const kinds[] = {
		[SET_STRING] = "string",
		[SET_UINT] = "number",
		[SET_SIZE] = "size",
		[SET_BOOL] = "boolean",
		[SET_ENUM] = "choice",
		[SET_LIST] = "list",
	};

	return i < NSETTINGS ? kinds[settings[i].type] : NULL;
}

const char *
config_default(size_t i)
{
	return i < NSETTINGS ? settings[i].def : NULL;
}

bool
config_extension_allowed(const struct config *c, const char *ext)
{
	size_t	 i;

	if (ext == NULL)
		return false;
	for (i = 0; i < c->nextensions; i++)
		if (strcmp(c->extensions[i], ext) == 0)
			return true;
	return false;
}
