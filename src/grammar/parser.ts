/**
 * The Chevrotain grammar of .ibspec. It only builds a concrete syntax tree;
 * `cst-to-ast.ts` turns that into the typed AST. Error recovery is on, so one
 * parse reports every error and returns a partial tree.
 *
 *   file       := statements EOF
 *   statements := (NEWLINE | ';' | statement)*
 *   statement  := key argument* block? end
 *   end        := NEWLINE | ';' | (before '}' or end of file)
 *   key        := IDENT ('.' IDENT)*
 *   argument   := IDENT ('=' value)? | literal       # `name=value` is an option, a bare IDENT a value
 *   block      := '{' statements '}'
 *   value      := IDENT | literal
 *   literal    := NUMBER | STRING | 'true' | 'false' | DIMS | list
 *   list       := '[' NEWLINE* (value NEWLINE* (',' NEWLINE* value NEWLINE*)*)? ']'
 *
 * Positional arguments must come before options; that ordering is checked on
 * the AST, where the message can name both.
 */
import { CstParser, EMPTY_ALT, EOF, type CstNode, type IParserErrorMessageProvider, type IToken } from './chevrotain.js';
import {
  allTokens,
  Comma,
  Dims,
  Dot,
  Equals,
  False,
  Identifier,
  LBrace,
  LBracket,
  Newline,
  NumberLiteral,
  RBrace,
  RBracket,
  Semicolon,
  StringLiteral,
  True,
} from './tokens.js';
import { syntaxErrorMessages } from './error-messages.js';

/**
 * Parsing stops after this many parser errors. Recovery can produce one error
 * per token on garbage input, and Chevrotain spends a lot on each (it
 * recomputes the expected paths), so a megabyte of `a = a = ...` would take
 * tens of seconds without a limit.
 */
export const MAX_PARSER_ERRORS = 200;

/** Thrown through Chevrotain (which rethrows what is not a recognition error) to stop a parse. */
class ParsingStopped extends Error {
  override readonly name = 'ParsingStopped';
}

/** Counts the errors of one parse; the message provider is the one hook Chevrotain calls for every error. */
class ErrorBudget {
  used = 0;

  spend(): void {
    this.used += 1;
    if (this.used > MAX_PARSER_ERRORS) throw new ParsingStopped('too many parser errors');
  }
}

function withBudget(provider: IParserErrorMessageProvider, budget: ErrorBudget): IParserErrorMessageProvider {
  return {
    buildMismatchTokenMessage: (options) => (budget.spend(), provider.buildMismatchTokenMessage(options)),
    buildNotAllInputParsedMessage: (options) => (budget.spend(), provider.buildNotAllInputParsedMessage(options)),
    buildNoViableAltMessage: (options) => (budget.spend(), provider.buildNoViableAltMessage(options)),
    buildEarlyExitMessage: (options) => (budget.spend(), provider.buildEarlyExitMessage(options)),
  };
}

export interface ParseOutcome {
  /** Absent when parsing stopped early (too many errors). */
  readonly cst?: CstNode;
  readonly stopped: boolean;
}

export class SpecParser extends CstParser {
  private readonly budget: ErrorBudget;

  constructor(errorMessageProvider: IParserErrorMessageProvider = syntaxErrorMessages) {
    const budget = new ErrorBudget();
    super(allTokens as never, { recoveryEnabled: true, maxLookahead: 2, errorMessageProvider: withBudget(errorMessageProvider, budget) });
    this.budget = budget;
    this.performSelfAnalysis();
  }

  /** Parses a whole file; the errors are in `this.errors` afterwards. */
  parseFile(tokens: IToken[]): ParseOutcome {
    this.budget.used = 0;
    this.input = tokens;
    try {
      return { cst: this.file(), stopped: false };
    } catch (error) {
      if (error instanceof ParsingStopped) return { stopped: true };
      throw error;
    }
  }

  readonly file = this.RULE('file', () => {
    this.SUBRULE(this.statements);
  });

  readonly statements = this.RULE('statements', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Newline) },
        { ALT: () => this.CONSUME(Semicolon) },
        { ALT: () => this.SUBRULE(this.statement) },
      ]);
    });
  });

  readonly statement = this.RULE('statement', () => {
    this.SUBRULE(this.key);
    this.MANY(() => this.SUBRULE(this.argument));
    this.OPTION(() => this.SUBRULE(this.block));
    this.SUBRULE(this.statementEnd);
  });

  readonly statementEnd = this.RULE('statementEnd', () => {
    this.OR([
      { ALT: () => this.CONSUME(Newline) },
      { ALT: () => this.CONSUME(Semicolon) },
      {
        GATE: () => {
          const next = this.LA(1).tokenType;
          return next === RBrace || next === EOF;
        },
        ALT: EMPTY_ALT(),
      },
    ]);
  });

  readonly key = this.RULE('key', () => {
    this.CONSUME(Identifier);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.CONSUME2(Identifier);
    });
  });

  readonly argument = this.RULE('argument', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Identifier);
          this.OPTION(() => {
            this.CONSUME(Equals);
            this.SUBRULE(this.value);
          });
        },
      },
      { ALT: () => this.SUBRULE(this.literal) },
    ]);
  });

  readonly block = this.RULE('block', () => {
    this.CONSUME(LBrace);
    this.SUBRULE(this.statements);
    this.CONSUME(RBrace);
  });

  readonly value = this.RULE('value', () => {
    this.OR([{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.SUBRULE(this.literal) }]);
  });

  readonly literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Dims) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  readonly list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.MANY(() => this.CONSUME(Newline));
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY2(() => this.CONSUME2(Newline));
      this.MANY3(() => {
        this.CONSUME(Comma);
        this.MANY4(() => this.CONSUME3(Newline));
        this.SUBRULE2(this.value);
        this.MANY5(() => this.CONSUME4(Newline));
      });
    });
    this.CONSUME(RBracket);
  });
}

export type FileCst = CstNode;
