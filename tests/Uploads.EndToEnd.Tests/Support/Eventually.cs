namespace Uploads.EndToEnd.Tests.Support;

/// <summary>Waits for something the app does on its own time (a log line, a background step), within a bound.</summary>
internal static class Eventually
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="bound"/> has passed without it.</summary>
    public static async Task<bool> WithinAsync(Func<bool> condition, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>As <see cref="WithinAsync(Func{bool}, TimeSpan)"/>, for a condition that asks the app (an HTTP call).</summary>
    public static async Task<bool> WithinAsync(Func<Task<bool>> condition, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }
}
