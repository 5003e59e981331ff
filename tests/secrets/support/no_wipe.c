/* A mutant for the wipe check (LD_PRELOAD): explicit_bzero that does nothing,
 * as if sslp11 forgot every wipe. The wipe test must then report the
 * composed path's buffers; see secrets.WipeCheckCatchesAMissingWipe. */
#include <stddef.h>

void explicit_bzero(void* p, size_t n) {
  (void)p;
  (void)n;
}
