// Must NOT compile: keyfile/ sits below the core and beside the CLI, which
// both link it. The first include proves the probe sees what a keyfile/
// source sees; the second must not be found.
#include "keyfile/key_parts.h"
#include "core/keys.h"
