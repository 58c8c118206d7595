-- Neovim's built-in LSP client against dist/server.js: open a legacy manifest, get its
-- diagnostics, apply the migration code action, see the document become valid.
-- Run by test/unit/nvim.test.ts; writes its findings as JSON to $SMOKE_OUT.
local server = os.getenv('SMOKE_SERVER')
local file = os.getenv('SMOKE_FILE')
local out = os.getenv('SMOKE_OUT')
local result = { steps = {} }

local function finish(code)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd((code == 0) and 'qall!' or ('cquit ' .. code))
end

local function codes(buf)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(list, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)) end
  return list
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'reload-manifest'
  local client_id = vim.lsp.start_client({
    name = 'tracing-reload',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  })
  assert(client_id, 'the client did not start')
  vim.lsp.buf_attach_client(buf, client_id)

  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50), 'no diagnostics arrived')
  result.before = codes(buf)
  table.insert(result.steps, 'diagnostics')

  local lsp_diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(lsp_diagnostics, d.user_data.lsp) end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 1 } },
    context = { diagnostics = lsp_diagnostics },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 20000)
  local migrate
  for _, response in pairs(responses or {}) do
    for _, action in ipairs(response.result or {}) do
      if action.title == 'Migrate to reload/v2' then migrate = action end
    end
  end
  assert(migrate, 'no "Migrate to reload/v2" code action')
  result.preferred = migrate.isPreferred
  vim.lsp.util.apply_workspace_edit(migrate.edit, 'utf-16')
  table.insert(result.steps, 'migrated')

  assert(vim.wait(20000, function()
    local now = codes(buf)
    for _, c in ipairs(now) do if c == 'outdated-format' then return false end end
    return true
  end, 50), 'the outdated-format diagnostic did not go away')
  result.after = codes(buf)
  result.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  table.insert(result.steps, 'revalidated')
  vim.lsp.stop_client(client_id)
end)

if not ok then
  result.error = tostring(err)
  finish(3)
else
  finish(0)
end
