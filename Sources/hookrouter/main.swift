import Router
#if canImport(Glibc)
import Glibc
#endif

exit(HookrouterCLI.main(CommandLine.arguments))
