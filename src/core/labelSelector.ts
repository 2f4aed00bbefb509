/**
 * Kubernetes label selectors in their string form, as `kubectl get -l` and apimachinery's
 * `labels.Parse` accept them: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * joined by `,` (AND). Whitespace between tokens is ignored; an empty selector matches every pod.
 *
 * Behaviour mirrored from apimachinery, including its corner cases:
 * - `k=` and `k!=` compare against the empty value.
 * - `k in ()` is the set `{""}`, not an error; empty items in a list (`(a,)`, `(,a)`, `(a,,b)`)
 *   also stand for the empty value. Values of a set are de-duplicated and sorted.
 * - `!=` and `notin` match pods that do not have the key at all.
 * - `in`/`notin` are keywords only where an operator is expected (`in=x`, `k=in` are fine).
 * Not supported: the numeric `k>1` / `k<1` operators (accepted by apimachinery for node
 * selectors); they are reported as errors.
 * Requirements keep the order in which they were written (apimachinery sorts them by key; for an
 * AND this makes no difference).
 */
import { DNS_SUBDOMAIN_MAX_LENGTH, isDnsSubdomain } from './dnsName.js';

/** One comma-separated term of a selector. `values` is empty for `exists`/`doesNotExist`. */
export type Requirement = {
  key: string;
  operator: 'exists' | 'doesNotExist' | 'equals' | 'notEquals' | 'in' | 'notIn';
  values: readonly string[];
};

/** A parsed selector; `text` is the string it was parsed from, as given. */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly text: string;
}

type TokenKind = 'identifier' | '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 0-based index of the token's first character. */
  readonly start: number;
}

const SPECIAL_CHARS = new Set(['!', '=', '(', ')', ',', '>', '<']);
const WHITESPACE_CHARS = new Set([' ', '\t', '\r', '\n']);
const TWO_CHAR_SYMBOLS = new Set(['==', '!=']);

const NAME_MAX_LENGTH = 63;
const PREFIX_MAX_LENGTH = DNS_SUBDOMAIN_MAX_LENGTH;
const NAME_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

class SelectorSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (WHITESPACE_CHARS.has(ch)) {
      i += 1;
    } else if (SPECIAL_CHARS.has(ch)) {
      const pair = text.slice(i, i + 2);
      const symbol = TWO_CHAR_SYMBOLS.has(pair) ? pair : ch;
      tokens.push({ kind: symbol as TokenKind, text: symbol, start: i });
      i += symbol.length;
    } else {
      let end = i + 1;
      while (
        end < text.length &&
        !WHITESPACE_CHARS.has(text.charAt(end)) &&
        !SPECIAL_CHARS.has(text.charAt(end))
      ) {
        end += 1;
      }
      tokens.push({ kind: 'identifier', text: text.slice(i, end), start: i });
      i = end;
    }
  }
  tokens.push({ kind: 'end', text: '', start: text.length });
  return tokens;
}

/** Why `key` is not a valid label key (a Kubernetes qualified name), or undefined if it is. */
function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length > 2) {
    return 'a key is an optional DNS subdomain prefix and "/" followed by a name, with at most one "/"';
  }
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') {
      return 'prefix before "/" must not be empty';
    }
    if (prefix.length > PREFIX_MAX_LENGTH) {
      return `prefix must be at most ${PREFIX_MAX_LENGTH} characters`;
    }
    if (!isDnsSubdomain(prefix)) {
      return 'prefix must be a lowercase DNS subdomain (a-z, 0-9, "-", ".", starting and ending with a-z or 0-9)';
    }
  }
  if (name === '') {
    return 'name must not be empty';
  }
  if (name.length > NAME_MAX_LENGTH) {
    return `name must be at most ${NAME_MAX_LENGTH} characters`;
  }
  if (!NAME_PATTERN.test(name)) {
    return 'name must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit';
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined if it is. */
function labelValueProblem(value: string): string | undefined {
  if (value === '') {
    return undefined;
  }
  if (value.length > NAME_MAX_LENGTH) {
    return `must be at most ${NAME_MAX_LENGTH} characters`;
  }
  if (!NAME_PATTERN.test(value)) {
    return 'must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit';
  }
  return undefined;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    if (this.peek().kind === 'end') {
      return requirements;
    }
    this.expectRequirementStart('expected a label key or "!"');
    for (;;) {
      requirements.push(this.parseRequirement());
      const next = this.consume();
      if (next.kind === 'end') {
        return requirements;
      }
      if (next.kind !== ',') {
        this.fail('expected "," or end of selector after a requirement', next);
      }
      this.expectRequirementStart('expected a label key or "!" after ","');
    }
  }

  private expectRequirementStart(message: string): void {
    const next = this.peek();
    if (next.kind !== 'identifier' && next.kind !== '!') {
      this.fail(message, next);
    }
  }

  private parseRequirement(): Requirement {
    let token = this.consume();
    const negated = token.kind === '!';
    if (negated) {
      token = this.consume();
      if (token.kind !== 'identifier') {
        this.fail('expected a label key after "!"', token);
      }
    }
    const key = token.text;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) {
      this.fail(`invalid label key ${JSON.stringify(key)}: ${keyProblem}`, token);
    }
    const next = this.peek();
    if (negated) {
      if (next.kind !== ',' && next.kind !== 'end') {
        this.fail(`"!${key}" takes no operator or value; expected "," or end of selector`, next);
      }
      return { key, operator: 'doesNotExist', values: [] };
    }
    if (next.kind === ',' || next.kind === 'end') {
      return { key, operator: 'exists', values: [] };
    }
    const operatorToken = this.consume();
    switch (operatorToken.kind) {
      case '=':
      case '==':
        return { key, operator: 'equals', values: [this.parseExactValue(operatorToken)] };
      case '!=':
        return { key, operator: 'notEquals', values: [this.parseExactValue(operatorToken)] };
      case '>':
      case '<':
        return this.fail(
          `operator "${operatorToken.text}" is not supported; use =, ==, !=, in, notin, a bare key or "!key"`,
          operatorToken,
        );
      case 'identifier':
        if (operatorToken.text === 'in') {
          return { key, operator: 'in', values: this.parseValueSet(operatorToken) };
        }
        if (operatorToken.text === 'notin') {
          return { key, operator: 'notIn', values: this.parseValueSet(operatorToken) };
        }
        break;
      default:
        break;
    }
    return this.fail(
      `expected an operator (=, ==, !=, in, notin), "," or end of selector after key ${JSON.stringify(key)}`,
      operatorToken,
    );
  }

  /** The value after `=`, `==` or `!=`; nothing before `,` or the end is the empty value. */
  private parseExactValue(operator: Token): string {
    const next = this.peek();
    if (next.kind === ',' || next.kind === 'end') {
      return '';
    }
    const token = this.consume();
    if (token.kind !== 'identifier') {
      this.fail(`expected a value after "${operator.text}"`, token);
    }
    return this.checkedValue(token);
  }

  /** `( v1, v2, ... )` after `in` / `notin`, following apimachinery's handling of empty items. */
  private parseValueSet(operator: Token): string[] {
    const open = this.consume();
    if (open.kind !== '(') {
      this.fail(`expected "(" after "${operator.text}"`, open);
    }
    const values = new Set<string>();
    const first = this.peek();
    if (first.kind === ')') {
      this.consume();
      values.add('');
    } else if (first.kind === 'identifier' || first.kind === ',') {
      this.parseValueList(values);
      this.consume(); // the ")" parseValueList stopped before
    } else {
      this.fail('expected a value, "," or ")" after "("', first);
    }
    return [...values].sort();
  }

  /** Consumes list items up to, not including, the closing `)`. */
  private parseValueList(values: Set<string>): void {
    for (;;) {
      const token = this.consume();
      if (token.kind === 'identifier') {
        values.add(this.checkedValue(token));
        const next = this.peek();
        if (next.kind === ')') {
          return;
        }
        if (next.kind !== ',') {
          this.fail('expected "," or ")" after a value in the list', next);
        }
      } else if (token.kind === ',') {
        if (values.size === 0) {
          values.add(''); // "(," starts with an empty item
        }
        const next = this.peek();
        if (next.kind === ')') {
          values.add(''); // ",)" ends with an empty item
          return;
        }
        if (next.kind === ',') {
          this.consume();
          values.add(''); // ",," holds an empty item
        }
      } else {
        this.fail('expected a value or "," in the list', token);
      }
    }
  }

  private checkedValue(token: Token): string {
    const problem = labelValueProblem(token.text);
    if (problem !== undefined) {
      this.fail(`invalid label value ${JSON.stringify(token.text)}: ${problem}`, token);
    }
    return token.text;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.endToken();
  }

  private consume(): Token {
    const token = this.peek();
    if (token.kind !== 'end') {
      this.index += 1;
    }
    return token;
  }

  private endToken(): Token {
    return { kind: 'end', text: '', start: this.text.length };
  }

  private fail(message: string, at: Token): never {
    const quoted = JSON.stringify(this.text);
    if (at.kind === 'end') {
      throw new SelectorSyntaxError(`${message}, found end of selector in ${quoted}`);
    }
    throw new SelectorSyntaxError(
      `${message}, found ${JSON.stringify(at.text)} at position ${at.start + 1} in ${quoted}`,
    );
  }
}

/**
 * Parses a label selector string. Errors name what was expected, what was found and its
 * 1-based character position, and quote the whole selector, e.g.
 * `expected "(" after "in", found "dev" at position 8 in "env in dev"`.
 */
export function parseLabelSelector(
  text: string,
): { ok: true; selector: LabelSelector } | { ok: false; error: string } {
  try {
    const requirements = new Parser(text).parse();
    return { ok: true, selector: { requirements, text } };
  } catch (error) {
    if (error instanceof SelectorSyntaxError) {
      return { ok: false, error: error.message };
    }
    throw error;
  }
}

function matchesRequirement(
  requirement: Requirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const value = present ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'exists':
      return present;
    case 'doesNotExist':
      return !present;
    case 'equals':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notEquals':
    case 'notIn':
      return value === undefined || !requirement.values.includes(value);
  }
}

/**
 * Whether a pod's labels satisfy every requirement of the selector (true for the empty
 * selector). `!=` and `notin` are satisfied when the key is absent, as in Kubernetes.
 */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.requirements.every((requirement) => matchesRequirement(requirement, labels));
}

/**
 * The label keys a pod must carry for `selector` to match it: the keys of its `=`, `==`, `in`
 * and bare-key terms, each once, in the order written. `!=`, `notin` and `!key` terms match pods
 * without the key and add nothing, so a selector made only of them (or the empty selector)
 * returns `[]`: it can match a pod that has none of the keys it names.
 */
export function requiredKeys(selector: LabelSelector): string[] {
  const keys = new Set<string>();
  for (const requirement of selector.requirements) {
    switch (requirement.operator) {
      case 'exists':
      case 'equals':
      case 'in':
        keys.add(requirement.key);
        break;
      case 'doesNotExist':
      case 'notEquals':
      case 'notIn':
        break;
    }
  }
  return [...keys];
}
