export default definePageConfig({ navigationBarTitleText: '分期收银台' });
