// The infrastructure checks run Linux tools (the linux-x64 Bicep CLI, sh, shellcheck), as CI does.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
