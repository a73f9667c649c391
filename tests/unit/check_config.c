/*
 * check_config.c: the settings as a user meets them: defaults, values
 * accepted and refused, the messages, precedence of file, environment and
 * flags, --help, and the docs that must list every setting.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/config.h"

Suite	*config_suite(void);

#define MAXARGS	16

/* A mutable argv or envp built from string literals. */
struct vec {
	char	 buf[MAXARGS][512];
	char	*v[MAXARGS + 1];
	int	 n;
};

static void
vec_make(struct vec *a, const char *const *list)
{
	a->n = 0;
	for (; *list != NULL; list++) {
		ck_assert_int_lt(a->n, MAXARGS);
		ck_assert_uint_lt(strlen(*list), sizeof(a->buf[0]));
		memcpy(a->buf[a->n], *list, strlen(*list) + 1);
		a->v[a->n] = a->buf[a->n];
		a->n++;
	}
	a->v[a->n] = NULL;
}

static char	 tmpdir[PATH_MAX];

static void
tmp_setup(void)
{
	ck_assert_int_lt(snprintf(tmpdir, sizeof(tmpdir),
	    "/tmp/check_config.XXXXXX"), (int)sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	char	 path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/imaged.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* Write text to <tmpdir>/imaged.conf; its path goes to path. */
static void
write_conf(char *path, size_t len, const char *text)
{
	FILE	*fp;

	snprintf(path, len, "%s/imaged.conf", tmpdir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/* config_load with argv and envp given as NULL-terminated lists. */
static enum config_status
load(struct config *c, const char *const *argv, const char *const *envp,
    int *first, char *msg, size_t msglen)
{
	static struct vec	 a, e;
	static const char *const	 noenv[] = { NULL };
	FILE			*out;
	enum config_status	 st;

	vec_make(&a, argv);
	vec_make(&e, envp != NULL ? envp : noenv);
	ck_assert_ptr_nonnull(out = fopen("/dev/null", "w"));
	st = config_load(c, a.n, a.v, e.v, first, out, msg, msglen);
	fclose(out);
	return st;
}

START_TEST(test_defaults)
{
	struct config	 c;
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	static const char *const exts[] = { "jpg", "jpeg", "png", "gif",
	    "webp" };
	size_t		 i;

	config_defaults(&c);
	ck_assert_str_eq(c.listen, "127.0.0.1");
	ck_assert_uint_eq(c.port, 8080);
	ck_assert_str_eq(c.data_dir, "./imaged-data");
	ck_assert_str_eq(c.bucket, "image-storage-bucket");
	ck_assert_str_eq(c.stage, "dev");
	ck_assert_uint_eq(c.max_file_size, 10485760);
	ck_assert_uint_eq(c.nextensions, 5);
	for (i = 0; i < 5; i++)
		ck_assert_str_eq(c.extensions[i], exts[i]);
	ck_assert(c.check_magic);
	ck_assert_uint_eq(c.url_lifetime, 3600);
	ck_assert_str_eq(c.public_url, "");
	ck_assert(c.cors_any);
	ck_assert_uint_eq(c.ncors_origins, 0);
	ck_assert_uint_eq(c.workers, ncpu < 1 ? 1 : ncpu > 256 ? 256 :
	    (unsigned)ncpu);
	ck_assert_int_eq(c.auth, AUTH_NONE);
	ck_assert_uint_eq(c.max_connections, 1024);
	ck_assert_uint_eq(c.max_connections_per_client, 256);
	ck_assert_str_eq(c.signing_key_file, "");
	ck_assert_str_eq(c.config_file, "");
	ck_assert_str_eq(c.url_file, "");
	ck_assert(!c.ephemeral);
	ck_assert(!c.verbose);
}
END_TEST

/* 63 characters, the longest bucket or stage name. */
#define L63	"abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" \
		"abcdefghij" "abcdefghij" "abc"

static const struct {
	const char	*key, *value;
	bool		 ok;
} set_cases[] = {
	{ "listen", "0.0.0.0", true },
	{ "listen", "::1", true },
	{ "listen", "::", true },
	{ "listen", "", false },
	{ "listen", "localhost", false },
	{ "listen", "127.0.0.1:80", false },
	{ "listen", "256.0.0.1", false },
	{ "port", "0", true },
	{ "port", "65535", true },
	{ "port", "65536", false },
	{ "port", "70000", false },
	{ "port", "-1", false },
	{ "port", "+80", false },
	{ "port", " 80", false },
	{ "port", "80 ", false },
	{ "port", "0x50", false },
	{ "port", "", false },
	{ "port", "99999999999999999999999", false },
	{ "data_dir", "/var/lib/imaged", true },
	{ "data_dir", "data dir with spaces", true },
	{ "data_dir", "", false },
	{ "bucket", "my.bucket-1", true },
	{ "bucket", "a", true },
	{ "bucket", L63, true },
	{ "bucket", L63 "a", false },
	{ "bucket", "", false },
	{ "bucket", ".", false },
	{ "bucket", "..", false },
	{ "bucket", "a/b", false },
	{ "bucket", "Upper", false },
	{ "bucket", "under_score", false },
	{ "stage", "prod", true },
	{ "stage", "Prod_2-a", true },
	{ "stage", "", false },
	{ "stage", "a.b", false },
	{ "stage", "a/b", false },
	{ "stage", L63, true },
	{ "stage", L63 "a", false },
	{ "max_file_size", "10M", true },
	{ "max_file_size", "1k", true },
	{ "max_file_size", "1G", true },
	{ "max_file_size", "4G", true },
	{ "max_file_size", "4294967296", true },
	{ "max_file_size", "1", true },
	{ "max_file_size", "0", false },
	{ "max_file_size", "0K", false },
	{ "max_file_size", "5G", false },
	{ "max_file_size", "4294967297", false },
	{ "max_file_size", "10 M", false },
	{ "max_file_size", "10MB", false },
	{ "max_file_size", "M", false },
	{ "max_file_size", "ten", false },
	{ "max_file_size", "-1", false },
	{ "max_file_size", "99999999999999999999G", false },
	{ "max_file_size", "", false },
	{ "allowed_extensions", "jpg", true },
	{ "allowed_extensions", ".JPG, .png", true },
	{ "allowed_extensions", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", true },
	{ "allowed_extensions", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", false },
	{ "allowed_extensions", "abcdefghijklmno", true },
	{ "allowed_extensions", "abcdefghijklmnop", false },
	{ "allowed_extensions", "", false },
	{ "allowed_extensions", "jpg,,png", false },
	{ "allowed_extensions", "jpg,", false },
	{ "allowed_extensions", ".", false },
	{ "allowed_extensions", "tar.gz", false },
	{ "allowed_extensions", "j-p", false },
	{ "check_magic", "on", true },
	{ "check_magic", "off", true },
	{ "check_magic", "TRUE", true },
	{ "check_magic", "no", true },
	{ "check_magic", "1", true },
	{ "check_magic", "0", true },
	{ "check_magic", "2", false },
	{ "check_magic", "", false },
	{ "check_magic", "maybe", false },
	{ "url_lifetime", "1", true },
	{ "url_lifetime", "604800", true },
	{ "url_lifetime", "604801", false },
	{ "url_lifetime", "0", false },
	{ "url_lifetime", "1h", false },
	{ "public_url", "", true },
	{ "public_url", "http://example.com", true },
	{ "public_url", "https://example.com:8443/api/", true },
	{ "public_url", "ftp://example.com", false },
	{ "public_url", "example.com", false },
	{ "public_url", "http://", false },
	{ "public_url", "http:///", false },
	{ "public_url", "http://exa mple.com", false },
	{ "public_url", "http://example.com/?a=b", false },
	{ "cors_origins", "*", true },
	{ "cors_origins", "https://a.example", true },
	{ "cors_origins", "https://a.example, http://b.example:8080", true },
	{ "cors_origins", "http://[::1]:3000", true },
	{ "cors_origins", "", false },
	{ "cors_origins", "*,https://a.example", false },
	{ "cors_origins", "a.example", false },
	{ "cors_origins", "https://a.example/path", false },
	{ "cors_origins", "https://", false },
	{ "workers", "1", true },
	{ "workers", "256", true },
	{ "workers", "auto", true },
	{ "workers", "0", false },
	{ "workers", "257", false },
	{ "auth", "none", true },
	{ "auth", "token", true },
	{ "auth", "basic", false },
	{ "auth", "", false },
	{ "max_connections", "1", true },
	{ "max_connections", "65536", true },
	{ "max_connections", "0", false },
	{ "max_connections", "65537", false },
	{ "max_connections_per_client", "1", true },
	{ "max_connections_per_client", "65536", true },
	{ "max_connections_per_client", "0", false },
	{ "max_connections_per_client", "65537", false },
	{ "signing_key_file", "", true },
	{ "signing_key_file", "/etc/imaged/signing.key", true },
	{ "no_such_key", "1", false },
	{ "", "1", false },
	{ "Port", "80", false },
};

START_TEST(test_set_table)
{
	struct config	 c, before;
	char		 msg[256];
	size_t		 i;
	bool		 ok;

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		config_defaults(&c);
		before = c;
		msg[0] = '\0';
		ok = config_set(&c, set_cases[i].key, set_cases[i].value,
		    "test", msg, sizeof(msg));
		ck_assert_msg(ok == set_cases[i].ok, "%s = \"%s\": %s (%s)",
		    set_cases[i].key, set_cases[i].value,
		    ok ? "accepted" : "refused", msg);
		if (!ok) {
			/* One line naming the source and the value. */
			ck_assert_msg(strncmp(msg, "test: ", 6) == 0,
			    "%s", msg);
			ck_assert_ptr_null(strchr(msg, '\n'));
			ck_assert_msg(memcmp(&c, &before, sizeof(c)) == 0,
			    "%s: refused value changed the config",
			    set_cases[i].key);
		}
	}
}
END_TEST

static const struct {
	const char	*value;
	uint64_t	 bytes;
} size_cases[] = {
	{ "10M", 10485760 },
	{ "10m", 10485760 },
	{ "1k", 1024 },
	{ "1K", 1024 },
	{ "1G", 1073741824 },
	{ "4g", 4294967296ULL },
	{ "123", 123 },
	{ "007", 7 },
};

START_TEST(test_sizes)
{
	struct config	 c;
	char		 msg[256];
	size_t		 i;

	config_defaults(&c);
	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		ck_assert_msg(config_set(&c, "max_file_size",
		    size_cases[i].value, "t", msg, sizeof(msg)), "%s", msg);
		ck_assert_uint_eq(c.max_file_size, size_cases[i].bytes);
	}
}
END_TEST

START_TEST(test_normalised)
{
	struct config	 c;
	char		 msg[256];

	config_defaults(&c);
	ck_assert(config_set(&c, "allowed_extensions", " .JPG, png ,Jpg,.WebP",
	    "t", msg, sizeof(msg)));
	ck_assert_uint_eq(c.nextensions, 3);
	ck_assert_str_eq(c.extensions[0], "jpg");
	ck_assert_str_eq(c.extensions[1], "png");
	ck_assert_str_eq(c.extensions[2], "webp");
	ck_assert(config_extension_allowed(&c, "webp"));
	ck_assert(!config_extension_allowed(&c, "WEBP"));
	ck_assert(!config_extension_allowed(&c, "gif"));
	ck_assert(!config_extension_allowed(&c, ""));
	ck_assert(!config_extension_allowed(&c, "jp"));

	ck_assert(config_set(&c, "public_url", "https://img.example/api//",
	    "t", msg, sizeof(msg)));
	ck_assert_str_eq(c.public_url, "https://img.example/api");
	ck_assert(config_set(&c, "public_url", "", "t", msg, sizeof(msg)));
	ck_assert_str_eq(c.public_url, "");

	ck_assert(config_set(&c, "cors_origins",
	    "https://A.example/, http://b.example:8080", "t", msg,
	    sizeof(msg)));
	ck_assert(!c.cors_any);
	ck_assert_uint_eq(c.ncors_origins, 2);
	ck_assert_str_eq(c.cors_origins[0], "https://a.example");
	ck_assert_str_eq(c.cors_origins[1], "http://b.example:8080");
	ck_assert(config_set(&c, "cors_origins", "*", "t", msg, sizeof(msg)));
	ck_assert(c.cors_any);
	ck_assert_uint_eq(c.ncors_origins, 0);

	ck_assert(config_set(&c, "check_magic", "OFF", "t", msg, sizeof(msg)));
	ck_assert(!c.check_magic);
	ck_assert(config_set(&c, "check_magic", "yes", "t", msg, sizeof(msg)));
	ck_assert(c.check_magic);
	ck_assert(config_set(&c, "auth", "token", "t", msg, sizeof(msg)));
	ck_assert_int_eq(c.auth, AUTH_TOKEN);
	ck_assert(config_set(&c, "workers", "3", "t", msg, sizeof(msg)));
	ck_assert_uint_eq(c.workers, 3);
	ck_assert(config_set(&c, "port", "0080", "t", msg, sizeof(msg)));
	ck_assert_uint_eq(c.port, 80);
}
END_TEST

static const struct {
	const char	*key, *value, *source, *msg;
} msg_cases[] = {
	{ "port", "70000", "--port",
	  "--port: \"70000\" is not a valid port (0-65535)" },
	{ "max_file_size", "ten", "IMAGED_MAX_FILE_SIZE",
	  "IMAGED_MAX_FILE_SIZE: \"ten\" is not a size "
	  "(bytes, or with K, M or G)" },
	{ "max_file_size", "5G", "--max-file-size",
	  "--max-file-size: \"5G\" is not a valid size (1 to 4G)" },
	{ "prot", "1", "imaged.conf:3",
	  "imaged.conf:3: unknown setting \"prot\"" },
	{ "workers", "0", "--workers",
	  "--workers: \"0\" is not a worker count (1-256, or auto)" },
	{ "auth", "basic", "--auth",
	  "--auth: \"basic\" is not none or token" },
	{ "check_magic", "maybe", "--check-magic",
	  "--check-magic: \"maybe\" is not on or off "
	  "(or true, false, yes, no, 1, 0)" },
	{ "stage", "a\nb", "--stage",
	  "--stage: \"a?b\" is not a stage name (1-63 of A-Z a-z 0-9 _ -)" },
};

START_TEST(test_messages)
{
	struct config	 c;
	char		 msg[256];
	size_t		 i;

	config_defaults(&c);
	for (i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++) {
		ck_assert(!config_set(&c, msg_cases[i].key, msg_cases[i].value,
		    msg_cases[i].source, msg, sizeof(msg)));
		ck_assert_str_eq(msg, msg_cases[i].msg);
	}
	/* A small buffer truncates the message and nothing else. */
	ck_assert(!config_set(&c, "port", "70000", "--port", msg, 8));
	ck_assert_str_eq(msg, "--port:");
}
END_TEST

START_TEST(test_precedence)
{
	struct config	 c;
	char		 path[PATH_MAX + 32], cflag[PATH_MAX + 40], msg[256];
	int		 first;

	write_conf(path, sizeof(path),
	    "port = 1\nstage = file\nbucket = filebucket\n"
	    "url_lifetime = 10\n");
	{
		const char *const argv[] = { "imaged", "--port", "3", "-c",
		    path, NULL };
		const char *const envp[] = { "HOME=/root", "IMAGED_PORT=2",
		    "IMAGED_STAGE=env", "IMAGED_RESULT=/tmp/x",
		    "IMAGED_NOT_A_SETTING=1", "IMAGED_URL_FILE=/tmp/y",
		    "imaged_workers=abc", NULL };

		ck_assert_int_eq(load(&c, argv, envp, &first, msg,
		    sizeof(msg)), CONFIG_OK);
		ck_assert_uint_eq(c.port, 3);
		ck_assert_str_eq(c.stage, "env");
		ck_assert_str_eq(c.bucket, "filebucket");
		ck_assert_uint_eq(c.url_lifetime, 10);
		ck_assert_str_eq(c.url_file, "");
		ck_assert_str_eq(c.config_file, path);
		ck_assert_int_eq(first, 5);
	}
	{
		/* File alone, as -c=FILE; and as --config FILE. */
		const char *const argv[] = { "imaged", cflag, NULL };
		const char *const argv2[] = { "imaged", "--config", path,
		    NULL };

		snprintf(cflag, sizeof(cflag), "-c=%s", path);
		ck_assert_int_eq(load(&c, argv, NULL, &first, msg,
		    sizeof(msg)), CONFIG_OK);
		ck_assert_uint_eq(c.port, 1);
		ck_assert_str_eq(c.stage, "file");
		ck_assert_int_eq(load(&c, argv2, NULL, &first, msg,
		    sizeof(msg)), CONFIG_OK);
		ck_assert_uint_eq(c.port, 1);
	}
	{
		/* Environment over file, no flag. */
		const char *const argv[] = { "imaged", "-c", path, NULL };
		const char *const envp[] = { "IMAGED_PORT=2", NULL };

		ck_assert_int_eq(load(&c, argv, envp, &first, msg,
		    sizeof(msg)), CONFIG_OK);
		ck_assert_uint_eq(c.port, 2);
		ck_assert_str_eq(c.stage, "file");
	}
	{
		/* A bad value in the environment is named. */
		const char *const argv[] = { "imaged", NULL };
		const char *const envp[] = { "IMAGED_MAX_FILE_SIZE=ten", NULL };

		ck_assert_int_eq(load(&c, argv, envp, &first, msg,
		    sizeof(msg)), CONFIG_ERROR);
		ck_assert_str_eq(msg, "IMAGED_MAX_FILE_SIZE: \"ten\" is not a "
		    "size (bytes, or with K, M or G)");
	}
}
END_TEST

START_TEST(test_flags)
{
	struct config	 c;
	char		 msg[256];
	int		 first = -1;
	const char *const argv[] = { "imaged", "--data-dir", "/srv/img",
	    "--max-file-size=1k", "--url-file", "/tmp/url", "--ephemeral",
	    "-v", "--check-magic", "off", "--public-url=", "--listen=::1",
	    NULL };

	ck_assert_int_eq(load(&c, argv, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_str_eq(c.data_dir, "/srv/img");
	ck_assert_uint_eq(c.max_file_size, 1024);
	ck_assert_str_eq(c.url_file, "/tmp/url");
	ck_assert(c.ephemeral);
	ck_assert(c.verbose);
	ck_assert(!c.check_magic);
	ck_assert_str_eq(c.public_url, "");
	ck_assert_str_eq(c.listen, "::1");
	ck_assert_int_eq(first, 12);
}
END_TEST

static const struct {
	const char	*argv[6];
	const char	*msg;
} flag_errors[] = {
	{ { "imaged", "--prot", "1" }, "unknown option \"--prot\"" },
	{ { "imaged", "--max_file_size", "1" },
	  "unknown option \"--max_file_size\"" },
	{ { "imaged", "-x" }, "unknown option \"-x\"" },
	{ { "imaged", "--url-file=/x", "--bogus=2" },
	  "unknown option \"--bogus\"" },
	{ { "imaged", "--port" }, "--port needs a value" },
	{ { "imaged", "-c" }, "-c needs a value" },
	{ { "imaged", "--url-file" }, "--url-file needs a value" },
	{ { "imaged", "--ephemeral=1" }, "--ephemeral takes no value" },
	{ { "imaged", "-v=yes" }, "-v takes no value" },
	{ { "imaged", "--port=70000" },
	  "--port: \"70000\" is not a valid port (0-65535)" },
	{ { "imaged", "-c=" },
	  "-c: \"\" is not a file name (not empty, shorter than PATH_MAX)" },
	{ { "imaged", "-c", "/nonexistent/imaged.conf" },
	  "-c: cannot open \"/nonexistent/imaged.conf\": "
	  "No such file or directory" },
};

START_TEST(test_flag_errors)
{
	struct config	 c;
	char		 msg[256];
	int		 first;
	size_t		 i;

	for (i = 0; i < sizeof(flag_errors) / sizeof(flag_errors[0]); i++) {
		ck_assert_int_eq(load(&c, flag_errors[i].argv, NULL, &first,
		    msg, sizeof(msg)), CONFIG_ERROR);
		ck_assert_str_eq(msg, flag_errors[i].msg);
	}
}
END_TEST

START_TEST(test_first_operand)
{
	struct config	 c;
	char		 msg[256];
	int		 first;
	const char *const a1[] = { "imaged", "--port", "1", "check",
	    "--repair", NULL };
	const char *const a2[] = { "imaged", "--port", "1", NULL };
	const char *const a3[] = { "imaged", "-v", "--", "--port", NULL };
	const char *const a4[] = { "imaged", "-", NULL };
	const char *const a5[] = { "imaged", NULL };

	ck_assert_int_eq(load(&c, a1, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_int_eq(first, 3);
	ck_assert_uint_eq(c.port, 1);
	ck_assert(!c.verbose);
	ck_assert_int_eq(load(&c, a2, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_int_eq(first, 3);
	ck_assert_int_eq(load(&c, a3, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_int_eq(first, 3);
	ck_assert_uint_eq(c.port, 8080);
	ck_assert_int_eq(load(&c, a4, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_int_eq(first, 1);
	ck_assert_int_eq(load(&c, a5, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_int_eq(first, 1);
}
END_TEST

START_TEST(test_file_syntax)
{
	struct config	 c;
	char		 path[PATH_MAX + 32], msg[256];
	int		 first;
	const char *const argv[] = { "imaged", "-c", path, NULL };

	write_conf(path, sizeof(path),
	    "# imaged settings\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "port=81\n"
	    "  stage   =   \"quoted\"   # a comment\n"
	    "public_url = http://host/base#frag   # the # in the URL stays?\n"
	    "bucket = b1\t# tab before the comment\r\n"
	    "data_dir = \"with # inside\"\n"
	    "signing_key_file = \"\"\n"
	    "check_magic = off");
	ck_assert_int_eq(load(&c, argv, NULL, &first, msg, sizeof(msg)),
	    CONFIG_ERROR);
	/* '#' not after white space is part of the value, and refused here. */
	ck_assert_msg(strstr(msg, "imaged.conf:7: \"http://host/base#frag\"")
	    != NULL, "%s", msg);

	write_conf(path, sizeof(path),
	    "# imaged settings\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "port=81\n"
	    "  stage   =   \"quoted\"   # a comment\n"
	    "public_url = http://host/base/   # trailing slash dropped\n"
	    "bucket = b1\t# tab before the comment\r\n"
	    "data_dir = \"with # inside\"\n"
	    "signing_key_file = \"\"\n"
	    "check_magic = off");
	ck_assert_int_eq(load(&c, argv, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	ck_assert_uint_eq(c.port, 81);
	ck_assert_str_eq(c.stage, "quoted");
	ck_assert_str_eq(c.public_url, "http://host/base");
	ck_assert_str_eq(c.bucket, "b1");
	ck_assert_str_eq(c.data_dir, "with # inside");
	ck_assert_str_eq(c.signing_key_file, "");
	ck_assert(!c.check_magic);
}
END_TEST

static const struct {
	const char	*text;
	const char	*msg;	/* after "<path>:" */
} file_errors[] = {
	{ "# x\n\nprot = 80\n", "3: unknown setting \"prot\"" },
	{ "port = 80\nport 80\n", "2: expected \"key = value\"" },
	{ "stage = \"dev\n", "1: no closing '\"'" },
	{ "stage = \"dev\" x\n", "1: text after the closing '\"'" },
	{ "port = 70000\n", "1: \"70000\" is not a valid port (0-65535)" },
	{ "url_file = /tmp/x\n", "1: unknown setting \"url_file\"" },
	{ "= 1\n", "1: unknown setting \"\"" },
};

START_TEST(test_file_errors)
{
	struct config	 c;
	char		 path[PATH_MAX + 32], want[PATH_MAX + 128], msg[512];
	int		 first;
	size_t		 i;
	const char *const argv[] = { "imaged", "-c", path, NULL };

	for (i = 0; i < sizeof(file_errors) / sizeof(file_errors[0]); i++) {
		write_conf(path, sizeof(path), file_errors[i].text);
		ck_assert_int_eq(load(&c, argv, NULL, &first, msg,
		    sizeof(msg)), CONFIG_ERROR);
		snprintf(want, sizeof(want), "%s:%s", path,
		    file_errors[i].msg);
		ck_assert_str_eq(msg, want);
	}
}
END_TEST

/* Run config_load with argv, its output captured in buf. */
static enum config_status
load_capture(const char *const *argv, char *buf, size_t len)
{
	struct config		 c;
	struct vec		 a;
	char			*env[] = { NULL };
	char			 msg[256];
	FILE			*out;
	size_t			 n;
	int			 first;
	enum config_status	 st;

	vec_make(&a, argv);
	ck_assert_ptr_nonnull(out = tmpfile());
	st = config_load(&c, a.n, a.v, env, &first, out, msg, sizeof(msg));
	rewind(out);
	n = fread(buf, 1, len - 1, out);
	buf[n] = '\0';
	fclose(out);
	return st;
}

/* config_usage's output in buf. */
static void
usage_capture(char *buf, size_t len)
{
	FILE	*out;
	size_t	 n;

	ck_assert_ptr_nonnull(out = tmpfile());
	config_usage(out);
	rewind(out);
	n = fread(buf, 1, len - 1, out);
	buf[n] = '\0';
	fclose(out);
}

START_TEST(test_help)
{
	static char	 buf[16384];
	char		 flag[128];
	const char	*key;
	size_t		 i, j;
	const char *const help[] = { "imaged", "--help", NULL };
	/* --help acts even when other flags are wrong in value. */
	const char *const help2[] = { "imaged", "--port", "99999", "--help",
	    NULL };
	const char *const version[] = { "imaged", "--version", NULL };

	ck_assert_int_eq(load_capture(help, buf, sizeof(buf)), CONFIG_HELP);
	ck_assert_str_eq(buf, "");	/* main prints the usage, then: */
	usage_capture(buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "options:\n", 9) == 0, "%s", buf);
	for (i = 0; i < config_nsettings(); i++) {
		key = config_key(i);
		snprintf(flag, sizeof(flag), "  --%s ", key);
		for (j = 0; flag[j] != '\0'; j++)
			if (flag[j] == '_')
				flag[j] = '-';
		ck_assert_msg(strstr(buf, flag) != NULL, "%s not in --help",
		    flag);
	}
	ck_assert_ptr_nonnull(strstr(buf,
	    "  --max-file-size SIZE   "));
	ck_assert_ptr_nonnull(strstr(buf, "largest image accepted "
	    "(default 10M)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "  -c FILE "));
	ck_assert_ptr_nonnull(strstr(buf, "  --url-file FILE "));
	ck_assert_ptr_nonnull(strstr(buf, "  --ephemeral "));
	ck_assert_ptr_nonnull(strstr(buf, "  -v "));
	ck_assert_int_eq(load_capture(help2, buf, sizeof(buf)), CONFIG_HELP);

	ck_assert_int_eq(load_capture(version, buf, sizeof(buf)),
	    CONFIG_EXIT);
	ck_assert_msg(strncmp(buf, "imaged ", 7) == 0 &&
	    buf[strlen(buf) - 1] == '\n' && strchr(buf, '\n') ==
	    buf + strlen(buf) - 1, "%s", buf);
	ck_assert_ptr_null(config_key(config_nsettings()));
}
END_TEST

/* The whole of a file from the repository root, or fail. */
static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 len;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s (run from the repo root)",
	    path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	ck_assert_int_ge(len = ftell(fp), 0);
	rewind(fp);
	ck_assert_ptr_nonnull(buf = malloc((size_t)len + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

START_TEST(test_docs_list_every_setting)
{
	char		*man, *conf;
	char		 flag[128], env[128], line[128];
	const char	*key;
	size_t		 i, j;

	man = slurp("man/imaged.8");
	conf = slurp("etc/imaged.conf");
	for (i = 0; i < config_nsettings(); i++) {
		key = config_key(i);
		snprintf(flag, sizeof(flag), "Fl \\-%s", key);
		snprintf(env, sizeof(env), "IMAGED_%s", key);
		for (j = 0; flag[j] != '\0'; j++)
			if (flag[j] == '_')
				flag[j] = '-';
		for (j = 0; env[j] != '\0'; j++)
			if (env[j] >= 'a' && env[j] <= 'z')
				env[j] = (char)(env[j] - 'a' + 'A');
		snprintf(line, sizeof(line), "\n#%s = ", key);
		ck_assert_msg(strstr(man, key) != NULL,
		    "%s missing from man/imaged.8", key);
		ck_assert_msg(strstr(man, flag) != NULL,
		    "%s missing from man/imaged.8", flag);
		ck_assert_msg(strstr(man, env) != NULL,
		    "%s missing from man/imaged.8", env);
		ck_assert_msg(strstr(conf, line) != NULL,
		    "\"#%s = \" missing from etc/imaged.conf", key);
	}
	free(man);
	free(conf);
}
END_TEST

/*
 * imaged.conf(5) has one entry per setting, ".It Cm KEY Ar KIND", whose
 * text gives the table's default: "Default" then ".Ql VALUE", or
 * "Default empty".  An entry for a setting the table lacks fails too.
 */
START_TEST(test_conf_page_matches_table)
{
	char		*page, *entry, *end, *p;
	char		 head[128], want[256];
	const char	*def;
	size_t		 i, nentries = 0;

	page = slurp("man/imaged.conf.5");
	for (i = 0; i < config_nsettings(); i++) {
		snprintf(head, sizeof(head), "\n.It Cm %s ", config_key(i));
		ck_assert_msg((entry = strstr(page, head + 1)) != NULL,
		    "no entry \"%s\" in man/imaged.conf.5", head + 1);
		entry += strlen(head) - 1;
		ck_assert_msg(strncmp(entry, "Ar ", 3) == 0 &&
		    strncmp(entry + 3, config_kind(i), strlen(config_kind(i)))
		    == 0 && entry[3 + strlen(config_kind(i))] == '\n',
		    "%s: the entry should say \"Ar %s\"", config_key(i),
		    config_kind(i));
		if ((end = strstr(entry, "\n.It ")) == NULL)
			end = strstr(entry, "\n.El");
		ck_assert_ptr_nonnull(end);
		def = config_default(i);
		if (*def == '\0')
			snprintf(want, sizeof(want), "\nDefault empty");
		else
			snprintf(want, sizeof(want), "\nDefault\n.Ql %s ",
			    def);
		p = strstr(entry, want);
		ck_assert_msg(p != NULL && p < end,
		    "%s: the entry should give its default as \"%s\"",
		    config_key(i), want + 1);
	}
	for (p = strstr(page, ".Sh SETTINGS"); p != NULL &&
	    (p = strstr(p, "\n.It Cm ")) != NULL; p++) {
		if (p > strstr(page, ".Sh FILES"))
			break;
		nentries++;
	}
	ck_assert_uint_eq(nentries, config_nsettings());
	ck_assert_ptr_null(config_kind(config_nsettings()));
	ck_assert_ptr_null(config_default(config_nsettings()));
	free(page);
}
END_TEST

/*
 * The example file, every setting uncommented, gives the defaults: its
 * commented values are the real ones.
 */
START_TEST(test_example_conf_is_defaults)
{
	struct config	 c, d;
	char		*conf, *p, *nl;
	char		 path[PATH_MAX + 32], msg[256];
	FILE		*fp;
	int		 first;
	size_t		 i, n = 0;
	const char *const argv[] = { "imaged", "-c", path, NULL };

	conf = slurp("etc/imaged.conf");
	snprintf(path, sizeof(path), "%s/imaged.conf", tmpdir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	for (p = conf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		for (i = 0; i < config_nsettings(); i++) {
			size_t	 klen = strlen(config_key(i));

			if (p[0] == '#' &&
			    strncmp(p + 1, config_key(i), klen) == 0 &&
			    strncmp(p + 1 + klen, " = ", 3) == 0) {
				fprintf(fp, "%s\n", p + 1);
				n++;
			}
		}
	}
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_eq(n, config_nsettings());
	ck_assert_int_eq(load(&c, argv, NULL, &first, msg, sizeof(msg)),
	    CONFIG_OK);
	memset(c.config_file, 0, sizeof(c.config_file));
	config_defaults(&d);
	ck_assert(memcmp(&c, &d, sizeof(c)) == 0);
	free(conf);
}
END_TEST

Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	/* Unchecked: the directory goes even when a test fails. */
	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_set_table);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_normalised);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_flag_errors);
	tcase_add_test(tc, test_first_operand);
	tcase_add_test(tc, test_file_syntax);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_docs_list_every_setting);
	tcase_add_test(tc, test_conf_page_matches_table);
	tcase_add_test(tc, test_example_conf_is_defaults);
	suite_add_tcase(s, tc);
	return s;
}
