---Native configuration for Neovim >= 0.11 (`vim.lsp.enable("parsercraft")`).
---Neovim knows no filetype for most ParserCraft extensions: map yours to "parsercraft", e.g.
---`vim.filetype.add({ extension = { pyl = "parsercraft", calc = "parsercraft" } })`, or add the
---filetypes you use (pascal, lisp, ...) with `vim.lsp.config("parsercraft", { filetypes = {...} })`.
---`require("parsercraft").setup()` does not need this file and works on 0.7.2 too.
---@type vim.lsp.Config
return {
  cmd = { "parsercraft-ls", "serve" },
  filetypes = { "parsercraft" },
  root_markers = { "parsercraft.toml" },
  -- Only files inside a project: the server maps files to languages by its parsercraft.toml.
  workspace_required = true,
  init_options = { parsercraft = vim.empty_dict() },
  settings = { parsercraft = vim.empty_dict() },
}
