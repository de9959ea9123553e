using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Objects;

/// <summary>
/// Pins made as one unit, as bpftool's <c>prog loadall</c> does: until <see cref="Commit"/>, disposing removes
/// every pin and every directory this transaction made, newest first, so a failed call leaves nothing behind
/// and its programs and maps unload once their descriptors close.
/// </summary>
public sealed class BpfPinTransaction : IDisposable
{
    private readonly List<string> _pins = [];
    private readonly List<string> _directories = [];
    private bool _committed;

    /// <summary>Makes a pin directory (see <see cref="BpfFs.CreatePinDirectory"/>), remembering what it created.</summary>
    /// <returns>The directory's full path, to pin under.</returns>
    public string CreateDirectory(string path)
    {
        var full = BpfFs.CreatePinDirectory(path, out var created);
        _directories.AddRange(created);
        return full;
    }

    /// <summary>Pins <paramref name="fd"/> at <paramref name="path"/>, remembering the pin.</summary>
    public void Pin(BpfFileDescriptor fd, string path)
    {
        BpfFs.Pin(fd, path);
        _pins.Add(path);
    }

    /// <summary>Keeps everything made so far.</summary>
    public void Commit() => _committed = true;

    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        for (var i = _pins.Count - 1; i >= 0; i--)
        {
            try
            {
                File.Delete(_pins[i]);
            }
            catch (IOException)
            {
                // Already gone, or its directory was replaced: nothing of ours is left to remove.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        BpfFs.RemoveDirectories(_directories);
    }
}
