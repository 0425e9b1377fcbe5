using System.Globalization;
using System.Text;

namespace Uploads.Infra.Tests.Support;

/// <summary>A parsed ARM template language expression (the part between '[' and ']').</summary>
internal abstract record ArmExpression
{
    /// <summary>
    /// Parses a template string value: an expression if it is "[...]" (and not an escaped "[[..."), else null.
    /// </summary>
    public static ArmExpression? TryParseTemplateString(string value)
    {
        if (value.Length < 2 || value[0] != '[' || value[^1] != ']' || value.StartsWith("[[", StringComparison.Ordinal))
        {
            return null;
        }

        var parser = new Parser(value[1..^1]);
        var expression = parser.ParseExpression();
        parser.ExpectEnd();
        return expression;
    }

    public static ArmExpression Parse(string value) =>
        TryParseTemplateString(value) ?? throw new FormatException($"Not an ARM expression: {value}");

    private sealed class Parser(string text)
    {
        private int _position;

        public ArmExpression ParseExpression()
        {
            SkipWhitespace();
            ArmExpression expression;
            var c = Peek();
            if (c == '\'')
            {
                expression = new ArmString(ParseString());
            }
            else if (char.IsAsciiDigit(c) || c == '-')
            {
                var start = _position++;
                while (char.IsAsciiDigit(Peek()))
                {
                    _position++;
                }

                expression = new ArmNumber(long.Parse(text[start.._position], CultureInfo.InvariantCulture));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var name = ParseIdentifier();
                SkipWhitespace();
                Expect('(');
                var arguments = new List<ArmExpression>();
                SkipWhitespace();
                if (Peek() != ')')
                {
                    while (true)
                    {
                        arguments.Add(ParseExpression());
                        SkipWhitespace();
                        if (Peek() == ',')
                        {
                            _position++;
                            continue;
                        }

                        break;
                    }
                }

                Expect(')');
                expression = new ArmCall(name, arguments);
            }
            else
            {
                throw new FormatException($"Unexpected '{c}' at {_position} in: {text}");
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() == '.')
                {
                    _position++;
                    expression = new ArmProperty(expression, ParseIdentifier());
                }
                else if (Peek() == '[')
                {
                    _position++;
                    var index = ParseExpression();
                    SkipWhitespace();
                    Expect(']');
                    expression = new ArmIndex(expression, index);
                }
                else
                {
                    return expression;
                }
            }
        }

        public void ExpectEnd()
        {
            SkipWhitespace();
            if (_position != text.Length)
            {
                throw new FormatException($"Unexpected text at {_position} in: {text}");
            }
        }

        private string ParseString()
        {
            Expect('\'');
            var builder = new StringBuilder();
            while (true)
            {
                if (_position >= text.Length)
                {
                    throw new FormatException($"Unterminated string in: {text}");
                }

                var c = text[_position++];
                if (c == '\'')
                {
                    if (Peek() == '\'')
                    {
                        builder.Append('\'');
                        _position++;
                        continue;
                    }

                    return builder.ToString();
                }

                builder.Append(c);
            }
        }

        private string ParseIdentifier()
        {
            var start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }

            if (start == _position)
            {
                throw new FormatException($"Identifier expected at {start} in: {text}");
            }

            return text[start.._position];
        }

        private char Peek() => _position < text.Length ? text[_position] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw new FormatException($"'{c}' expected at {_position} in: {text}");
            }

            _position++;
        }

        private void SkipWhitespace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }
    }
}

internal sealed record ArmString(string Value) : ArmExpression;

internal sealed record ArmNumber(long Value) : ArmExpression;

internal sealed record ArmCall(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression
{
    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);
}

internal sealed record ArmProperty(ArmExpression Target, string Name) : ArmExpression;

internal sealed record ArmIndex(ArmExpression Target, ArmExpression Index) : ArmExpression;
