/*
 * config.h: the settings of imaged, from one table.
 *
 * Every setting of imaged.conf(5) is one row of a const table in
 * config.c: its key, type, bounds, default and help text.  The same table
 * reads the config file (`key = value` lines, `#` comments), the
 * environment (IMAGED_<KEY>) and the flags (--<key> with '_' written '-'),
 * prints --help, and is checked against the man page by a test.
 * Precedence: default < file < environment < flag.
 */
#ifndef IMAGED_CONFIG_H
#define IMAGED_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "imaged/rendparams.h"

#define CONFIG_MAX_EXTENSIONS	16
#define CONFIG_EXT_LEN		16
#define CONFIG_MAX_ORIGINS	16
#define CONFIG_ORIGIN_LEN	256
#define CONFIG_MAX_HOSTS	16
#define CONFIG_HOST_LEN		256
/* the cloud's 7-day cap on presigned URLs */
#define URL_LIFETIME_MAX	604800

enum auth_mode {
	AUTH_NONE = 0,
	AUTH_TOKEN
};

/* The web console at /: auto is on for a loopback listen address only. */
enum console_mode {
	CONSOLE_AUTO = 0,
	CONSOLE_ON,
	CONSOLE_OFF
};

struct config {
	char		 listen[64];
	unsigned	 port;				/* 0: any free port */
	char		 data_dir[PATH_MAX];
	unsigned	 file_mode;			/* 0600, 0640 or 0644 */
	char		 bucket[64];
	char		 stage[64];
	uint64_t	 max_file_size;			/* bytes */
	/* lower case, no dot */
	char		 extensions[CONFIG_MAX_EXTENSIONS][CONFIG_EXT_LEN];
	size_t		 nextensions;
	bool		 check_magic;
	/* seconds, 1..URL_LIFETIME_MAX */
	unsigned	 url_lifetime;
	/* "" : none; never ends in '/' */
	char		 public_url[512];
	bool		 cors_any;			/* cors_origins = * */
	char		 cors_origins[CONFIG_MAX_ORIGINS][CONFIG_ORIGIN_LEN];
	size_t		 ncors_origins;
	/* lower case, no port */
	char		 allowed_hosts[CONFIG_MAX_HOSTS][CONFIG_HOST_LEN];
	size_t		 nallowed_hosts;
	unsigned	 workers;			/* >= 1 */
	enum auth_mode	 auth;
	enum console_mode console;
	unsigned	 max_connections;
	unsigned	 max_connections_per_client;
	/* "": <data_dir>/signing.key */
	char		 signing_key_file[PATH_MAX];
	char		 previous_signing_key_file[PATH_MAX]; /* "": none */
	unsigned	 header_timeout;		/* seconds */
	unsigned	 idle_timeout;			/* seconds */
	/* seconds, plus bytes / body_min_rate */
	unsigned	 body_timeout;
	/* bytes per second; 0: none */
	uint64_t	 body_min_rate;
	uint64_t	 max_header_bytes;
	/* named rendition presets */
	struct rend_presets renditions;
	/* a source's width x height */
	unsigned	 rendition_max_pixels;
	/* bytes of kept renditions */
	uint64_t	 rendition_cache_size;
	/* render threads, >= 1 */
	unsigned	 render_workers;
	/* For test suites (imaged(8), TEST MODE). */
	/* the /_imaged/ routes */
	bool		 test_mode;
	char		 clock[40];			/* "": the system's */
	bool		 clock_fixed;
	/* clock_fixed: start time */
	int64_t		 clock_usec;
	char		 id_seed[24];			/* "": random ids */
	bool		 id_seed_set;
	uint64_t	 id_seed_value;
	/* behave as the cloud does */
	bool		 cloud_strict;
	bool		 log_json;			/* log_format = json */
	/* count, serve /metrics */
	bool		 metrics;

	/* flags only */
	char		 config_file[PATH_MAX];		/* -c */
	/* --url-file, "": none */
	char		 url_file[PATH_MAX];
	bool		 ephemeral;			/* --ephemeral */
	bool		 verbose;			/* -v */
};

enum config_status {
	CONFIG_OK,		/* run */
	/* --help: print the usage, then config_usage() */
	CONFIG_HELP,
	CONFIG_EXIT,		/* --version was printed: exit 0 */
	/* msg says what is wrong (one line, no newline) */
	CONFIG_ERROR
};

/* Fill every setting with its default. */
void	config_defaults(struct config *);

/*
 * Set one setting by its key ("max_file_size") from text.  False, with a
 * one-line reason in msg naming the key and the value, on an unknown key or
 * a bad value.  `source` prefixes the message ("imaged.conf:12", "IMAGED_PORT",
 * "--port").
 */
bool	config_set(struct config *, const char *key, const char *value,
	    const char *source, char *msg, size_t msglen);

/*
 * Load everything in order: defaults, the file named by -c (if any),
 * the environment envp (IMAGED_<KEY> for each setting key; other IMAGED_
 * variables are ignored), then the flags of argv.  Option parsing stops
 * at the first operand or after "--"; *first_operand is set to the
 * operand's index in argv (argc if none), so that main can dispatch
 * subcommands ("imaged check").  Flags take their value as "--port 8080"
 * or "--port=8080".  --version prints to out; --help prints nothing and
 * returns CONFIG_HELP, for main to print its synopsis and commands and
 * then config_usage().
 */
enum config_status
	config_load(struct config *, int argc, char *const argv[],
	    char *const envp[], int *first_operand, FILE *out,
	    char *msg, size_t msglen);

/* Print the options and every setting with its default and help. */
void	config_usage(FILE *);

/*
 * The number of settings, and of setting i its key, its kind of value
 * ("string", "number", "size", "boolean", "choice" or "list", as
 * imaged.conf(5) names them) and its default as written in a file ("" for
 * none); NULL past the last.  For tests and docs.
 */
size_t		 config_nsettings(void);
const char	*config_key(size_t i);
const char	*config_kind(size_t i);
const char	*config_default(size_t i);

/* Whether ext (lower case, no dot) is an allowed extension. */
bool	config_extension_allowed(const struct config *, const char *ext);

#endif
