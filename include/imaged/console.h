/*
 * console.h: the web console, a page served at / for looking at and
 * changing the images with a browser.
 *
 * The page's files (src/console/) are compiled into the binary at build
 * time as byte arrays, each with an ETag made from its bytes, so the daemon
 * serves them with no file on disk and nothing fetched from elsewhere.
 * The page itself is static: everything it shows comes from the API, with
 * the token the user typed in token mode.
 */
#ifndef IMAGED_CONSOLE_H
#define IMAGED_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "imaged/config.h"
#include "imaged/err.h"
#include "imaged/http.h"

struct imaged;

/* One embedded file; all of it static storage. */
struct console_asset {
	const char		*name;	/* "index.html", "app.js", ... */
	const unsigned char	*data;
	size_t			 len;
	const char		*etag;	/* quoted */
};

/* The table the build generates from src/console/ (console_assets.c). */
extern const struct console_asset	 console_assets[];
extern const size_t			 console_nassets;

/*
 * Whether the console is served: console = on, or auto (the default) with
 * a loopback listen address (127.0.0.0/8, ::1, ::ffff:127.x.x.x).
 */
bool		 console_enabled(const struct config *);

/* The embedded file of that name, or NULL. */
const struct console_asset *console_find(const char *name);

/*
 * GET / (the page) and GET /console/{name} (its scripts and styles): the
 * bytes with their Content-Type, ETag (If-None-Match gives 304) and a
 * Content-Security-Policy that allows nothing but this origin.  404 when
 * the console is off or the name is unknown.  Thread-safe.
 */
enum img_err	 console_page(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 console_file(struct imaged *, const struct request *,
		    struct response *);

#endif
