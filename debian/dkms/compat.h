/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fs/erofs this package ships comes from the build host's
 * linux-source-6.12, a later 6.12.y than some kernels it is built for.
 * A stable update can bring a helper into fs/erofs together with its
 * header; for the kernels whose headers lack it, Kbuild defines
 * EROFS_COMPAT_* and the helper is defined here, with the same meaning.
 */
#ifndef EROFS_ISHARE_COMPAT_H
#define EROFS_ISHARE_COMPAT_H

#ifdef EROFS_COMPAT_BIO_IN_ATOMIC	/* 6.12.118: include/linux/bio.h */
#include <linux/bio.h>	/* where later headers define it */

/* may a bio be completed here, or must its work be deferred to a task? */
static inline bool bio_in_atomic(void)
{
	/* inside a preemptible RCU read section the work must not sleep */
	if (IS_ENABLED(CONFIG_PREEMPTION) && rcu_preempt_depth())
		return true;
	/* without a preempt count, the context cannot be told: assume atomic */
	if (!IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return true;
	return !preemptible();
}
#endif

#endif
