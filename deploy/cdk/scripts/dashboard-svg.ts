// A picture of the CloudWatch dashboard's layout, drawn from the synthesized dashboard body (not a
// console screenshot: nothing is deployed here). Each widget at its grid place (24 columns), with
// its title and the metrics it plots.
//   bun deploy/cdk/scripts/dashboard-svg.ts   writes docs/dashboard.svg
// deploy/cdk/test/monitoring.test.ts fails when the committed picture differs from the stack's.
import { writeFileSync } from 'node:fs'
import type { Template } from 'aws-cdk-lib/assertions'

interface Widget {
  type: string
  x: number
  y: number
  width: number
  height: number
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[] }
}

const COLUMN_PX = 40
const ROW_PX = 36
const PAD = 6

/**
 * The dashboard's widgets from a synthesized template's one AWS::CloudWatch::Dashboard. The body is
 * a Fn::Join of text and references (ARNs, names known at deploy time); a reference becomes "…".
 */
export function dashboardWidgets(template: Template): Widget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`)
  const body = dashboards[0]!.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] }
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '…')).join('')
  return (JSON.parse(text) as { widgets: Widget[] }).widgets
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** What a widget plots, one short line each: "UserService SignInsFailed (Sum)", an expression's label. */
function plotted(widget: Widget): string[] {
  if (widget.type === 'alarm') return [`${widget.properties.alarms?.length ?? 0} alarms: state of each`]
  return (widget.properties.metrics ?? []).map((row) => {
    const options = (typeof row.at(-1) === 'object' ? row.at(-1) : {}) as Record<string, string>
    const axis = options.yAxis === 'right' ? ' →' : ''
    if (options.expression) return `${options.label ?? options.expression} (expression)${axis}`
    const names = row.filter((v): v is string => typeof v === 'string')
    const [namespace, name] = names[0] === '.' ? ['', names[1]] : [names[0], names[1]]
    const stat = options.stat ?? ''
    return `${namespace?.replace('AWS/ApplicationELB', 'ALB') ?? ''} ${name ?? ''}${stat ? ` (${stat})` : ''}${axis}`.trim()
  })
}

/** The SVG text of the layout. */
export function dashboardSvg(widgets: Widget[]): string {
  const width = 24 * COLUMN_PX
  const height = Math.max(...widgets.map((w) => w.y + w.height)) * ROW_PX + 40
  const boxes = widgets.map((w) => {
    const x = w.x * COLUMN_PX + PAD
    const y = w.y * ROW_PX + 40 + PAD
    const lines = plotted(w)
      .map((line, i) => `<text x="${x + 10}" y="${y + 46 + i * 18}" class="m">${xmlText(line)}</text>`)
      .join('')
    return (
      `<rect x="${x}" y="${y}" width="${w.width * COLUMN_PX - 2 * PAD}" height="${w.height * ROW_PX - 2 * PAD}" rx="4" class="w"/>` +
      `<text x="${x + 10}" y="${y + 22}" class="t">${xmlText(w.properties.title ?? w.type)}</text>${lines}`
    )
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<title>Layout of the user-service CloudWatch dashboard</title>',
    '<style>.w{fill:#fafafa;stroke:#999}.t{font:bold 14px sans-serif;fill:#222}.m{font:12px monospace;fill:#555}.h{font:bold 16px sans-serif}</style>',
    '<text x="6" y="26" class="h">user-service CloudWatch dashboard (layout from the CDK stack)</text>',
    ...boxes,
    '</svg>',
    '',
  ].join('\n')
}

export const SVG_PATH = new URL('../../../docs/dashboard.svg', import.meta.url)

if (import.meta.main) {
  const { template } = await import('../test/synth.ts')
  writeFileSync(SVG_PATH, dashboardSvg(dashboardWidgets(template)))
  console.log(`wrote ${SVG_PATH.pathname}`)
}
