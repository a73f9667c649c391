/*
 * principal.h: who a request acts for.
 *
 * A plain record shared by the HTTP layer (a request carries one once
 * its credentials are known) and whatever knows how credentials are kept
 * (the token store fills one in).  Neither side needs the other's header.
 */
#ifndef IMAGED_PRINCIPAL_H
#define IMAGED_PRINCIPAL_H

#include <stdbool.h>

#include "imaged/image.h"

struct principal {
	bool	 admin;		/* may act for any user */
	char	 user_id[USER_ID_MAX + 1];	/* the user acted for */
};

#endif
