// Debian's libpq-dev puts the header under postgresql/; its own includes
// ("postgres_ext.h") are found beside it.
#include <postgresql/libpq-fe.h>
