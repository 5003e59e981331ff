// The provider's logger (placeholder; filled in by the logging work).
#pragma once
