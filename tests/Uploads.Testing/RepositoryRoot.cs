namespace Uploads.Testing;

/// <summary>Locates the repository checkout the tests run from.</summary>
public static class RepositoryRoot
{
    private const string Marker = "Functions.sln";

    /// <summary>
    /// Walks up from <see cref="AppContext.BaseDirectory"/> (the test's bin folder) to the folder holding
    /// <c>Functions.sln</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No parent folder holds <c>Functions.sln</c>.</exception>
    public static string Find() => Find(AppContext.BaseDirectory);

    /// <summary>Walks up from <paramref name="startDirectory"/> to the folder holding <c>Functions.sln</c>.</summary>
    public static string Find(string startDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(startDirectory);
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, Marker)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above '{startDirectory}' holds {Marker}: run the tests from a checkout of the repository.");
    }
}
