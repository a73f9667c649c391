/*
 * validate.h: the rules of imaged-api(7) (POST /images) for what a client
 * may store, in one place for every body form (JSON, multipart, raw with
 * a query string) and for PATCH.
 *
 * Validators are pure: they take outside text with its length, write a
 * one-line reason into msg when they refuse, and never allocate except
 * into the struct meta_input they fill.  Lengths count Unicode code points;
 * text must be valid UTF-8.
 */
#ifndef IMAGED_VALIDATE_H
#define IMAGED_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "imaged/buf.h"
#include "imaged/config.h"
#include "imaged/image.h"

/* user_id: 1-64 of A-Z a-z 0-9 . _ -, not "." or "..".  msg may be NULL. */
bool	 valid_user_id(const char *s, size_t len, char *msg, size_t msglen);
/*
 * filename: 1-255 bytes of UTF-8 without / \ or controls (C0, DEL, C1),
 * with an extension in the allowed set; ext gets it in lower case.
 */
bool	 valid_filename(const struct config *, const char *s, size_t len,
	    char ext[EXT_MAX + 1], char *msg, size_t msglen);
/* Whether s[0..len) is valid UTF-8; *cps gets its code points. */
bool	 utf8_valid(const char *s, size_t len, size_t *cps);

/* Metadata being gathered from a request, owned copies. */
struct meta_input {
	unsigned	 set;		/* META_* fields given */
	char		*title;		/* NULL: null */
	char		*description;
	char		*location;
	char		*tags[TAGS_MAX];
	size_t		 ntags;
	struct buf	 tags_json;
};

void	 meta_input_init(struct meta_input *);
void	 meta_input_free(struct meta_input *);
/*
 * The editable fields, one row each, shared by every form that sets them:
 * a JSON "metadata" object (upload and PATCH), multipart parts and a raw
 * body's query string.  A new field is a row here plus its META_* flag and
 * limit in image.h, its slot in struct meta_input, and its column in the
 * catalog; the forms pick it up from the table.
 */
struct meta_field {
	/* form field, query parameter, JSON key */
	const char	*name;
	const char	*json_field;	/* "metadata.<name>", for JSON errors */
	unsigned	 flag;		/* META_* */
	/* code points (of each item, for a list) */
	size_t		 max;
	/* text: offset of its char * in meta_input */
	size_t		 slot;
	/* comma-separated in forms, an array in JSON */
	bool		 list;
};
extern const struct meta_field	 meta_fields[];
extern const size_t		 meta_nfields;

/* The row of a form field or query parameter name, or NULL. */
const struct meta_field *meta_field_find(const char *name);
/*
 * Set a field from form or query text, s of len bytes with a NUL after
 * them: a list adds its comma-separated values, a text field is replaced.
 * False with msg on a rule broken.
 */
bool	 meta_set_form(struct meta_input *, const struct meta_field *,
	    const char *s, size_t len, char *msg, size_t msglen);
/*
 * Set a text field (META_TITLE, META_DESCRIPTION or META_LOCATION) from
 * s (NULL or "": null).  False with msg on a rule broken.
 */
bool	 meta_set_text(struct meta_input *, unsigned field, const char *s,
	    size_t len, char *msg, size_t msglen);
/*
 * Add tags from a comma-separated list (a form field or query parameter;
 * blanks around each tag trimmed, empty ones skipped).  Marks tags as given.
 */
bool	 meta_add_tags_csv(struct meta_input *, const char *s, char *msg,
	    size_t msglen);
/* Add one tag as sent in JSON (empty refused).  Duplicates collapse. */
bool	 meta_add_tag(struct meta_input *, const char *s, size_t len,
	    char *msg, size_t msglen);
/*
 * Take the keys of a JSON "metadata" object (title, description,
 * location, tags; others ignored).  A JSON null clears a field.  On a
 * wrong type or a rule broken: false, msg, and *field the key at fault
 * as "metadata.<key>" (static).
 */
bool	 meta_from_json(struct meta_input *, const json_t *obj, char *msg,
	    size_t msglen, const char **field);
/*
 * Finish: build the tags' JSON and fill out, a view borrowing from in.
 * False on out of memory.
 */
bool	 meta_view(struct meta_input *in, struct image_meta *out);

#endif
