using System.Globalization;

namespace Uploads.Sniffing.ActiveContent.Images;

/// <summary>
/// A GIF walked block by block to the trailer <c>;</c> (docs/sniffing.md, "Files inside files: images and RIFF"): the
/// logical screen and every image descriptor within the pixel limit; a screen width whose two bytes are <c>/*</c> or
/// <c>//</c> refused (the header then reads as JavaScript: <c>GIF89a/*</c>, the GIF/JavaScript polyglot); every
/// extension's sub-block chain followed; application extensions other than the known ones, unknown extensions and
/// comments at most <see cref="ImageStructureScanner.MaxUnknownBytes"/> each and not another file; nothing after the trailer but padding.
/// </summary>
internal sealed class GifScanner : ImageStructureScanner
{
    /// <summary>Application extensions that viewers and common writers use: looping, XMP, ICC profiles, ImageMagick's profiles.</summary>
    private static readonly HashSet<string> KnownApplications = new(StringComparer.Ordinal)
    {
        "NETSCAPE2.0", "ANIMEXTS1.0", "XMP DataXMP", "ICCRGBG1012", "MGK8BIM0000", "MGKIPTC0000",
    };

    private State _state = State.Screen;
    private Chain _chain;
    private long _blockAt;
    private long _chainBytes;
    private bool _firstSubBlock;
    private bool _chainText;
    private string _element = string.Empty;
    private int _frames;

    public GifScanner(long maxPixels, WorkBudget budget)
        : base("GIF", maxPixels, budget) => Need(13);

    private enum State
    {
        Screen,
        Block,
        Label,
        Descriptor,
        CodeSize,
        SubBlockSize,
        SubBlock,
    }

    /// <summary>What a sub-block chain belongs to, and so what is checked in it.</summary>
    private enum Chain
    {
        Plain,
        Application,
        PlainText,
        Bounded,
    }

    private protected override string MediaType => MediaTypes.Gif;

    protected override string Unfinished() =>
        string.Create(CultureInfo.InvariantCulture, $"inside the block at offset {_blockAt}; a GIF ends with the trailer ';'");

    protected override void Step(ReadOnlySpan<byte> bytes, long at)
    {
        switch (_state)
        {
            case State.Screen:
                Screen(bytes);
                break;
            case State.Block:
                Block(bytes[0], at);
                break;
            case State.Label:
                Label(bytes[0]);
                break;
            case State.Descriptor:
                _frames++;
                CheckPixels(SniffContext.U16LE(bytes, 4), SniffContext.U16LE(bytes, 6), string.Create(CultureInfo.InvariantCulture, $"for frame {_frames} (the GIF image descriptor at offset {_blockAt})"));
                _state = State.CodeSize;
                SkipColourTable(bytes[8]);
                Need(1);
                break;
            case State.CodeSize:
                if (bytes[0] is < 1 or > 12)
                {
                    Damaged(at, "an image's LZW code size is not between 1 and 12");
                    return;
                }

                StartChain(Chain.Plain, string.Empty);
                break;
            case State.SubBlockSize:
                SubBlockSize(bytes[0]);
                break;
            case State.SubBlock:
                SubBlock(bytes);
                break;
        }
    }

    private void Screen(ReadOnlySpan<byte> bytes)
    {
        // GIF89a/* ... */=alert(1) runs as JavaScript: the screen width's two bytes open a comment (0x2A2F: 10,799 pixels
        // wide), or a line comment (0x2F2F). No ordinary GIF is that wide; with the pixel limit it could still pass.
        if (bytes[6] == '/' && bytes[7] is (byte)'*' or (byte)'/')
        {
            Refuse($"The GIF's header reads as JavaScript (its first bytes are 'GIF89a{(char)bytes[6]}{(char)bytes[7]}', a script comment opener): the file is also a script a page could run. Re-save the image with ordinary software and upload that.");
            return;
        }

        CheckPixels(SniffContext.U16LE(bytes, 6), SniffContext.U16LE(bytes, 8), "for its logical screen (the GIF header)");
        _state = State.Block;
        SkipColourTable(bytes[10]);
        Need(1);
    }

    private void Block(byte introducer, long at)
    {
        _blockAt = at;
        switch (introducer)
        {
            case 0x2C:
                _state = State.Descriptor;
                Need(9);
                break;
            case 0x21:
                _state = State.Label;
                Need(1);
                break;
            case 0x3B:
                End(at + 1);
                break;
            default:
                Damaged(at, string.Create(CultureInfo.InvariantCulture, $"the byte 0x{introducer:X2} is not a block (image 0x2C, extension 0x21, trailer 0x3B)"));
                break;
        }
    }

    private void Label(byte label)
    {
        switch (label)
        {
            case 0xF9:
                StartChain(Chain.Plain, string.Empty);
                break;
            case 0x01:
                StartChain(Chain.PlainText, "the GIF plain text extension");
                break;
            case 0xFF:
                StartChain(Chain.Application, "a GIF application extension");
                break;
            case 0xFE:
                StartChain(Chain.Bounded, "the GIF comment");
                break;
            default:
                StartChain(Chain.Bounded, string.Create(CultureInfo.InvariantCulture, $"the GIF extension 0x{label:X2}"));
                break;
        }
    }

    private void StartChain(Chain chain, string element)
    {
        _chain = chain;
        _element = element;
        _chainBytes = 0;
        _firstSubBlock = true;
        _chainText = false;
        _state = State.SubBlockSize;
        Need(1);
    }

    private void SubBlockSize(byte size)
    {
        if (size == 0)
        {
            _state = State.Block;
            Need(1);
            return;
        }

        _chainBytes += size;
        if (_chain == Chain.Bounded && !CheckUnknownSize(_chainBytes, _element, _blockAt))
        {
            return;
        }

        if ((_chain != Chain.Plain || _chainText) && _firstSubBlock)
        {
            _state = State.SubBlock;
            Need(size);
        }
        else
        {
            Skip(size);
            Need(1);
        }

        _firstSubBlock = false;
    }

    private void SubBlock(ReadOnlySpan<byte> bytes)
    {
        if (_chain == Chain.PlainText)
        {
            // The first sub-block is the text grid (12 bytes); the text that follows must not be another file. Any length.
            _chain = Chain.Plain;
            _state = State.SubBlockSize;
            _firstSubBlock = true;
            _chainText = true;
            Need(1);
            return;
        }

        if (_chainText)
        {
            _chainText = false;
            _chain = Chain.Plain;
            CheckCarried(bytes, _element, _blockAt);
            _state = State.SubBlockSize;
            Need(1);
            return;
        }

        if (_chain == Chain.Application)
        {
            // The first sub-block names the application (8 bytes) and its code (3).
            var name = System.Text.Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 11)]);
            if (KnownApplications.Contains(name))
            {
                _chain = Chain.Plain;
            }
            else
            {
                // Its data follows in the next sub-blocks: the first of them is identified too.
                _chain = Chain.Bounded;
                _element = string.Create(CultureInfo.InvariantCulture, $"the GIF application extension '{Printable(name)}'");
                CheckCarried(bytes.Length > 11 ? bytes[11..] : [], _element, _blockAt);
                _state = State.SubBlockSize;
                _firstSubBlock = true;
                Need(1);
                return;
            }
        }
        else
        {
            CheckCarried(bytes, _element, _blockAt);
        }

        _state = State.SubBlockSize;
        Need(1);
    }

    private void SkipColourTable(byte flags)
    {
        if ((flags & 0x80) != 0)
        {
            Skip(3 * (1 << ((flags & 7) + 1)));
        }
    }

    private static string Printable(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is < ' ' or > '~')
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }
}
