-- Drives neovim's built-in LSP client against `xsm lsp --stdio` (run headless by nvim.test.ts):
-- opens a policy, waits for the diagnostics, hovers a name and jumps to a definition, renames
-- ($XSM_NVIM_RENAME), applies a quick fix ($XSM_NVIM_FIX), changes its settings
-- ($XSM_NVIM_SETTINGS), rewrites .xsm-lint.json ($XSM_NVIM_LINT_CONFIG), then writes what it saw as JSON to $XSM_NVIM_OUT. Positions in and out
-- are 0-based (line, character).
-- Every wait is for what the server does (diagnostics published, the buffer edited, a refusal
-- notified), capped at a minute: never a fixed time.
local out = {}
-- what neovim tells the user (a refused rename is an error notification), and the publishes of
-- diagnostics (each analysis of the policy ends in one)
local notices = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(notices, msg)
  return notify(msg, level, opts)
end
local published = 0
local publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  published = published + 1
  return publish(err, result, ctx, config)
end
local function finish()
  local f = io.open(os.getenv("XSM_NVIM_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local policy = os.getenv("XSM_NVIM_POLICY")
  local hover_at = vim.fn.json_decode(os.getenv("XSM_NVIM_HOVER"))
  local def_at = vim.fn.json_decode(os.getenv("XSM_NVIM_DEFINITION"))
  vim.cmd("edit " .. vim.fn.fnameescape(policy))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "xsm",
    cmd = { "node", os.getenv("XSM_BIN"), "lsp", "--stdio" },
    root_dir = vim.fn.fnamemodify(policy, ":p:h"),
  })
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)

  out.diagnostics_arrived = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { line = d.lnum, col = d.col, message = d.message, code = d.code })
  end

  -- $XSM_NVIM_SETTINGS: the client's settings changed as a user's config would (neovim keeps
  -- them in client.config.settings and notifies the change with them): the buffer's diagnostics
  -- once the server has published again
  local settings = os.getenv("XSM_NVIM_SETTINGS")
  if settings then
    local before = published
    client.config.settings = vim.fn.json_decode(settings)
    client.notify("workspace/didChangeConfiguration", { settings = client.config.settings })
    out.configured_arrived = vim.wait(60000, function() return published > before end, 50)
    out.configured = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(out.configured, { line = d.lnum, severity = d.severity, message = d.message })
    end
  end

  -- $XSM_NVIM_LINT_CONFIG: steps { text, code, severity }: .xsm-lint.json beside the policy, open
  -- in neovim with the server attached, set to `text` and written (neovim 0.7 watches no files:
  -- the server hears didSave), until the policy has a `code` diagnostic of `severity`; then the
  -- policy's and the config's diagnostics as "LINE SEVERITY CODE" (the config's with their column)
  local steps = os.getenv("XSM_NVIM_LINT_CONFIG")
  if steps then
    out.lint_config = {}
    local config = vim.fn.fnamemodify(policy, ":p:h") .. "/.xsm-lint.json"
    vim.cmd("edit " .. vim.fn.fnameescape(config))
    local cbuf = vim.api.nvim_get_current_buf()
    vim.lsp.buf_attach_client(cbuf, client_id)
    for _, step in ipairs(vim.fn.json_decode(steps)) do
      vim.api.nvim_buf_set_lines(cbuf, 0, -1, false, vim.split(step.text, "\n"))
      vim.cmd("silent write")
      local arrived = vim.wait(60000, function()
        for _, d in ipairs(vim.diagnostic.get(buf)) do
          if d.code == step.code and d.severity == step.severity then return true end
        end
        return false
      end, 50)
      local seen = { arrived = arrived, policy = {}, config = {} }
      for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(seen.policy, d.lnum .. " " .. d.severity .. " " .. d.code) end
      -- (the config's own diagnostic comes before the policy's republish: it is read first)
      for _, d in ipairs(vim.diagnostic.get(cbuf)) do table.insert(seen.config, d.lnum .. ":" .. d.col .. " " .. d.severity .. " " .. d.message) end
      table.insert(out.lint_config, seen)
    end
    vim.api.nvim_set_current_buf(buf)
  end

  -- $XSM_NVIM_FIX: the code actions at the first diagnostic, asked as vim.lsp.buf.code_action
  -- asks (the line's diagnostics as neovim keeps them, the server's `data` included; 0.7 has no
  -- `apply` option), the preferred one applied: the diagnostic's line after it
  if os.getenv("XSM_NVIM_FIX") then
    local first = vim.diagnostic.get(buf)[1]
    local pos = { line = first.lnum, character = first.col }
    local actions = client.request_sync("textDocument/codeAction", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = { start = pos, ["end"] = pos },
      context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, first.lnum) },
    }, 10000, buf)
    for _, action in ipairs(actions and actions.result or {}) do
      if action.isPreferred then vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16") end
    end
    out.fixed = vim.api.nvim_buf_get_lines(buf, first.lnum, first.lnum + 1, false)[1]
  end

  local function params(pos)
    return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = pos[1], character = pos[2] } }
  end
  local hover = client.request_sync("textDocument/hover", params(hover_at), 10000, buf)
  out.hover = hover and hover.result and hover.result.contents and hover.result.contents.value or vim.NIL

  local def = client.request_sync("textDocument/definition", params(def_at), 10000, buf)
  local loc = def and def.result and def.result[1]
  if loc then
    vim.lsp.util.jump_to_location(loc, client.offset_encoding or "utf-16")
    local cursor = vim.api.nvim_win_get_cursor(0)
    out.jump = { file = vim.api.nvim_buf_get_name(0), line = cursor[1] - 1, col = cursor[2] }
  end

  -- $XSM_NVIM_SIGNATURE: signature help at that position (the label and the active parameter's
  -- text); $XSM_NVIM_SYMBOL: workspace symbols for that query (name and container); highlights
  -- at the hover position (how many, and how many are writes)
  local sig_at = os.getenv("XSM_NVIM_SIGNATURE")
  if sig_at then
    local sig = client.request_sync("textDocument/signatureHelp", params(vim.fn.json_decode(sig_at)), 10000, buf)
    local s = sig and sig.result and sig.result.signatures and sig.result.signatures[1]
    if s then
      local p = s.parameters[(sig.result.activeParameter or 0) + 1].label
      out.signature = { label = s.label, active = string.sub(s.label, p[1] + 1, p[2]) }
    end
  end
  local query = os.getenv("XSM_NVIM_SYMBOL")
  if query then
    local found = client.request_sync("workspace/symbol", { query = query }, 10000, buf)
    out.symbols = {}
    for _, sym in ipairs(found and found.result or {}) do
      table.insert(out.symbols, sym.name .. " " .. (sym.containerName or "") .. " " .. vim.uri_to_fname(sym.location.uri))
    end
    local marks = client.request_sync("textDocument/documentHighlight", params(hover_at), 10000, buf)
    out.highlights = { all = 0, writes = 0 }
    for _, h in ipairs(marks and marks.result or {}) do
      out.highlights.all = out.highlights.all + 1
      if h.kind == 3 then out.highlights.writes = out.highlights.writes + 1 end
    end
  end

  -- $XSM_NVIM_EXPAND: at that position, the selection ranges' texts (innermost first) and the
  -- inlay hints on its line as "character label" (neovim 0.7 shows neither: asked as a plugin
  -- would, with the capabilities the server advertised)
  local expand_at = os.getenv("XSM_NVIM_EXPAND")
  if expand_at then
    local pos = vim.fn.json_decode(expand_at)
    local caps = client.server_capabilities or client.resolved_capabilities or {}
    out.advertised = { selection = caps.selectionRangeProvider == true, inlay = caps.inlayHintProvider == true }
    local sel = client.request_sync("textDocument/selectionRange", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      positions = { { line = pos[1], character = pos[2] } },
    }, 10000, buf)
    out.selection = {}
    local r = sel and sel.result and sel.result[1]
    while r do
      local s, e = r.range.start, r.range["end"]
      -- (the file's range ends after its last newline, a line the buffer does not have)
      local last = vim.api.nvim_buf_line_count(buf)
      local el, ec = e.line, e.character
      if el >= last then el, ec = last - 1, #vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] end
      table.insert(out.selection, table.concat(vim.api.nvim_buf_get_text(buf, s.line, s.character, el, ec, {}), "\n"))
      r = r.parent
    end
    local hints = client.request_sync("textDocument/inlayHint", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = { start = { line = pos[1], character = 0 }, ["end"] = { line = pos[1] + 1, character = 0 } },
    }, 10000, buf)
    out.inlay = {}
    for _, h in ipairs(hints and hints.result or {}) do
      table.insert(out.inlay, h.position.character .. " " .. h.label)
    end
  end

  -- renames through vim.lsp.buf.rename (prepareRename, then rename, then the edit applied to the
  -- buffer), each as [[line, character], new name]: the buffer's text after each, and what neovim
  -- said ("" when nothing: a refusal is an error message)
  local renames = os.getenv("XSM_NVIM_RENAME")
  if renames then
    out.renamed = {}
    out.rename_notices = {}
    vim.api.nvim_set_current_buf(buf)
    for _, step in ipairs(vim.fn.json_decode(renames)) do
      vim.api.nvim_win_set_cursor(0, { step[1][1] + 1, step[1][2] })
      local tick = vim.api.nvim_buf_get_changedtick(buf)
      local said = #notices
      local analysed = published
      vim.lsp.buf.rename(step[2])
      -- the edit applied, or the refusal said
      vim.wait(60000, function() return vim.api.nvim_buf_get_changedtick(buf) ~= tick or #notices > said end, 50)
      -- an applied edit is analysed again before the next step (a rename asked for meanwhile is
      -- refused as "still being analysed", not for its own reason)
      if vim.api.nvim_buf_get_changedtick(buf) ~= tick then
        vim.wait(60000, function() return published > analysed end, 50)
      end
      table.insert(out.renamed, table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n"))
      table.insert(out.rename_notices, table.concat(vim.list_slice(notices, said + 1), "\n"))
    end
  end
end)
if not ok then out.error = tostring(err) end
finish()
