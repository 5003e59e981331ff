#include "log/logger.h"
