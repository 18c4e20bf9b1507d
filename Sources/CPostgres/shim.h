// libpq, loaded at run time with dlopen: building hookrouter needs no PostgreSQL headers or library,
// and only a router configured with a postgres:// store needs libpq5 installed.
#include <dlfcn.h>
#include <stddef.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef struct { char *relname; int be_pid; char *extra; } PGnotify;
typedef unsigned int Oid;

// The values of libpq's enums this code reads (stable since PostgreSQL 7).
enum { HR_CONNECTION_OK = 0 };
enum { HR_PGRES_COMMAND_OK = 1, HR_PGRES_TUPLES_OK = 2 };
enum { HR_PG_DIAG_SQLSTATE = 'C' };

typedef struct {
    PGconn *(*connectdb)(const char *);
    int (*status)(const PGconn *);
    char *(*errorMessage)(const PGconn *);
    void (*finish)(PGconn *);
    PGresult *(*exec)(PGconn *, const char *);
    PGresult *(*execParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int);
    int (*resultStatus)(const PGresult *);
    char *(*resultErrorMessage)(const PGresult *);
    char *(*resultErrorField)(const PGresult *, int);
    int (*ntuples)(const PGresult *);
    int (*nfields)(const PGresult *);
    char *(*getvalue)(const PGresult *, int, int);
    int (*getisnull)(const PGresult *, int, int);
    int (*getlength)(const PGresult *, int, int);
    void (*clear)(PGresult *);
    int (*consumeInput)(PGconn *);
    PGnotify *(*notifies)(PGconn *);
    void (*freemem)(void *);
    int (*socket)(const PGconn *);
} hr_pq_api;

// Fills `api` from libpq.so.5; returns NULL, or dlerror()'s text when it cannot.
static inline const char *hr_pq_load(hr_pq_api *api) {
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) return dlerror();
#define HR_PQ(field, name) if (!(*(void **)&api->field = dlsym(h, name))) return dlerror();
    HR_PQ(connectdb, "PQconnectdb") HR_PQ(status, "PQstatus") HR_PQ(errorMessage, "PQerrorMessage") HR_PQ(finish, "PQfinish")
    HR_PQ(exec, "PQexec") HR_PQ(execParams, "PQexecParams") HR_PQ(resultStatus, "PQresultStatus")
    HR_PQ(resultErrorMessage, "PQresultErrorMessage") HR_PQ(resultErrorField, "PQresultErrorField") HR_PQ(ntuples, "PQntuples")
    HR_PQ(nfields, "PQnfields") HR_PQ(getvalue, "PQgetvalue") HR_PQ(getisnull, "PQgetisnull") HR_PQ(getlength, "PQgetlength")
    HR_PQ(clear, "PQclear") HR_PQ(consumeInput, "PQconsumeInput") HR_PQ(notifies, "PQnotifies") HR_PQ(freemem, "PQfreemem")
    HR_PQ(socket, "PQsocket")
#undef HR_PQ
    return NULL;
}
